/**
 * @module
 * The payments table: search by id, payer, payee or transaction hash, filter by state, page
 * through newest first. A row opens the payment's detail. On a phone each row becomes a card.
 */
import { useEffect, useState } from 'preact/hooks'
import type { PaymentPage, PaymentState } from './api.ts'
import { formatAmount, formatTime, networkLabel, shorten } from './format.ts'
import { useApi } from './live.ts'

export const pageSize = 25
const states: PaymentState[] = [
  'confirmed',
  'included',
  'failed',
  'pending',
  'submitted',
  'verified',
  'received',
]

export interface PaymentsQuery {
  q: string
  state: string
  page: number
}

/** The API path for a query: `payments?q=…&state=…&limit=…&offset=…`. */
export function paymentsPath(query: PaymentsQuery): string {
  const params = new URLSearchParams({
    limit: String(pageSize),
    offset: String((query.page - 1) * pageSize),
  })
  if (query.q) params.set('q', query.q)
  if (query.state) params.set('state', query.state)
  return `payments?${params}`
}

function SearchForm(props: { query: PaymentsQuery; onQuery: (query: PaymentsQuery) => void }) {
  const [text, setText] = useState(props.query.q)
  useEffect(() => setText(props.query.q), [props.query.q])
  return (
    <form
      class="search"
      aria-label="Search payments"
      onSubmit={(event) => {
        event.preventDefault()
        props.onQuery({ ...props.query, q: text.trim(), page: 1 })
      }}
    >
      <input
        type="search"
        name="q"
        aria-label="Search payments"
        placeholder="Payment id, payer, payee or tx hash"
        value={text}
        onInput={(event) => setText(event.currentTarget.value)}
      />
      <select
        name="state"
        aria-label="State"
        value={props.query.state}
        onChange={(event) =>
          props.onQuery({ ...props.query, state: event.currentTarget.value, page: 1 })
        }
      >
        <option value="">all states</option>
        {states.map((state) => (
          <option key={state} value={state}>
            {state}
          </option>
        ))}
      </select>
      <button type="submit">Search</button>
    </form>
  )
}

export function PaymentsView(props: {
  query: PaymentsQuery
  version: number
  onQuery: (query: PaymentsQuery) => void
  onOpen: (id: number) => void
}) {
  const { data, error } = useApi<PaymentPage>(paymentsPath(props.query), props.version)
  const pages = data ? Math.max(1, Math.ceil(data.total / pageSize)) : 1
  const first = data && data.total > 0 ? data.offset + 1 : 0
  const last = data ? data.offset + data.payments.length : 0
  return (
    <div class="payments">
      <div class="toolbar">
        <h1>Payments</h1>
        <SearchForm query={props.query} onQuery={props.onQuery} />
      </div>
      {error ? <p class="error">{error.message}</p> : null}
      {data && data.payments.length === 0 ? <p class="muted empty">No payment matches.</p> : null}
      {data && data.payments.length > 0 ? (
        <table class="table payments-table">
          <thead>
            <tr>
              <th>Time</th>
              <th>State</th>
              <th class="num">Amount</th>
              <th>Payer</th>
              <th>Payee</th>
              <th>Network</th>
              <th>Transaction</th>
            </tr>
          </thead>
          <tbody>
            {data.payments.map((payment) => (
              <tr
                key={payment.id}
                data-payment-id={payment.id}
                tabIndex={0}
                onClick={() => props.onOpen(payment.id)}
                onKeyDown={(event) => {
                  if (event.key === 'Enter') props.onOpen(payment.id)
                }}
              >
                <td data-label="Time">{formatTime(payment.createdAt)}</td>
                <td data-label="State">
                  <span class={`badge state-${payment.state}`}>{payment.state}</span>
                  {payment.reason ? <span class="reason small"> {payment.reason}</span> : null}
                </td>
                <td data-label="Amount" class="num">
                  {formatAmount(payment.amount, payment)}
                  {payment.authorizedAmount ? (
                    <span class="small muted upto-of">
                      {' '}
                      of {formatAmount(payment.authorizedAmount, payment)} ({payment.scheme})
                    </span>
                  ) : null}
                </td>
                <td data-label="Payer" class="mono" title={payment.payer}>
                  {shorten(payment.payer)}
                </td>
                <td data-label="Payee" class="mono" title={payment.payTo}>
                  {shorten(payment.payTo)}
                </td>
                <td data-label="Network">{networkLabel(payment.network)}</td>
                <td data-label="Transaction" class="mono" title={payment.transaction}>
                  {payment.transaction ? shorten(payment.transaction, 8) : '–'}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {data ? (
        <nav class="pager" aria-label="Pages">
          <button
            type="button"
            disabled={props.query.page <= 1}
            onClick={() => props.onQuery({ ...props.query, page: props.query.page - 1 })}
          >
            ← Newer
          </button>
          <span class="muted">
            {first}–{last} of {data.total}
          </span>
          <button
            type="button"
            disabled={props.query.page >= pages}
            onClick={() => props.onQuery({ ...props.query, page: props.query.page + 1 })}
          >
            Older →
          </button>
        </nav>
      ) : null}
    </div>
  )
}
