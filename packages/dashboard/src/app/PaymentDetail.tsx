/**
 * @module
 * One payment in full: its parties and amount, why it failed (reason and message), every state
 * it went through, and the transactions sent for it (replacements included).
 */
import type { PaymentDetail } from './api.ts'
import { formatAmount, formatTime, networkLabel, transactionUrl } from './format.ts'
import { useApi } from './live.ts'

function Field(props: {
  label: string
  value: string | undefined
  mono?: boolean
  /** Where the value links to (an explorer's page). */
  href?: string | undefined
}) {
  if (props.value === undefined) return null
  return (
    <div class="field">
      <dt>{props.label}</dt>
      <dd class={props.mono ? 'mono' : ''}>
        {props.href ? (
          <a href={props.href} target="_blank" rel="noreferrer">
            {props.value}
          </a>
        ) : (
          props.value
        )}
      </dd>
    </div>
  )
}

export function PaymentDetailView(props: { id: number; version: number; onBack: () => void }) {
  const { data, error } = useApi<PaymentDetail>(`payments/${props.id}`, props.version)
  return (
    <div class="detail">
      <div class="toolbar">
        <button type="button" class="link" onClick={props.onBack}>
          ← Payments
        </button>
        <h1>Payment {props.id}</h1>
        {data ? (
          <span class={`badge state-${data.payment.state}`}>{data.payment.state}</span>
        ) : null}
      </div>
      {error ? <p class="error">{error.message}</p> : null}
      {data ? <PaymentDetailBody detail={data} /> : null}
    </div>
  )
}

function PaymentDetailBody({ detail }: { detail: PaymentDetail }) {
  const { payment } = detail
  return (
    <>
      {payment.state === 'failed' ? (
        <div class="failure" role="alert">
          <strong class="failure-reason">{payment.reason ?? 'failed'}</strong>
          {payment.message ? <span> — {payment.message}</span> : null}
        </div>
      ) : null}
      <section class="card">
        <dl class="fields">
          <Field
            label={payment.authorizedAmount ? 'Charged' : 'Amount'}
            value={formatAmount(payment.amount, payment)}
          />
          {payment.authorizedAmount ? (
            <Field label="Authorized" value={formatAmount(payment.authorizedAmount, payment)} />
          ) : null}
          <Field label="Payer" value={payment.payer} mono />
          <Field label="Payee" value={payment.payTo} mono />
          <Field label="Asset" value={payment.asset} mono />
          <Field label="Network" value={networkLabel(payment.network)} />
          <Field label="Scheme" value={payment.scheme} />
          <Field label="Resource" value={payment.resource} mono />
          <Field
            label="Transaction"
            value={payment.transaction}
            href={
              payment.transaction ? transactionUrl(payment.network, payment.transaction) : undefined
            }
            mono
          />
          <Field label="Payment identifier" value={payment.paymentIdentifier} mono />
          <Field label="Attempts" value={String(payment.attempts)} />
          <Field label="Received" value={formatTime(payment.createdAt)} />
          <Field label="Last change" value={formatTime(payment.updatedAt)} />
        </dl>
      </section>
      <section class="card">
        <h2>State history</h2>
        <ol class="timeline">
          {detail.events.map((event, index) => (
            <li key={`${index}-${event.state}`}>
              <span class={`badge state-${event.state}`}>{event.state}</span>
              <time dateTime={event.at}>{formatTime(event.at)}</time>
              {event.reason ? <span class="reason">{event.reason}</span> : null}
              {event.transaction ? <span class="mono small wrap">{event.transaction}</span> : null}
            </li>
          ))}
        </ol>
      </section>
      {detail.transactions.length > 0 ? (
        <section class="card">
          <h2>Transactions</h2>
          <table class="table">
            <thead>
              <tr>
                <th>Hash</th>
                <th>State</th>
                <th>Signer</th>
                <th class="num">Nonce</th>
                <th class="num">Gas</th>
                <th class="num">Batch</th>
              </tr>
            </thead>
            <tbody>
              {detail.transactions.map((transaction) => (
                <tr key={transaction.hash}>
                  <td data-label="Hash" class="mono wrap">
                    {transaction.hash}
                  </td>
                  <td data-label="State">{transaction.state}</td>
                  <td data-label="Signer" class="mono wrap">
                    {transaction.signer}
                  </td>
                  <td data-label="Nonce" class="num">
                    {transaction.nonce}
                  </td>
                  <td data-label="Gas" class="num">
                    {transaction.gasUsed ?? '–'}
                  </td>
                  <td data-label="Batch" class="num">
                    {transaction.payments}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      ) : null}
    </>
  )
}
