/**
 * @module
 * Confirmed revenue per merchant (payee) and per resource, from the ledger, with the names the
 * discovery catalogue knows. Resources only in the catalogue are listed without revenue.
 */
import type { Merchants, Resources } from './api.ts'
import { formatAmount, formatTime, networkLabel, shorten } from './format.ts'
import { useApi } from './live.ts'

function amountOf(row: {
  amount?: string
  asset?: string
  symbol?: string
  decimals?: number
}): string {
  if (row.amount === undefined) return '–'
  return formatAmount(row.amount, row)
}

export function RevenueView(props: { version: number }) {
  const merchants = useApi<Merchants>('merchants', props.version)
  const resources = useApi<Resources>('resources', props.version)
  const error = merchants.error ?? resources.error
  return (
    <div class="revenue">
      <div class="toolbar">
        <h1>Revenue</h1>
      </div>
      {error ? <p class="error">{error.message}</p> : null}
      <section class="card">
        <h2>Merchants</h2>
        {merchants.data?.merchants.length === 0 ? (
          <p class="muted">No confirmed payment yet.</p>
        ) : null}
        {merchants.data && merchants.data.merchants.length > 0 ? (
          <table class="table">
            <thead>
              <tr>
                <th>Payee</th>
                <th>Network</th>
                <th class="num">Payments</th>
                <th class="num">Revenue</th>
                <th>Services</th>
                <th>Last payment</th>
              </tr>
            </thead>
            <tbody>
              {merchants.data.merchants.map((row) => (
                <tr key={`${row.network}|${row.payTo}|${row.asset}`}>
                  <td data-label="Payee" class="mono" title={row.payTo}>
                    {shorten(row.payTo)}
                  </td>
                  <td data-label="Network">{networkLabel(row.network)}</td>
                  <td data-label="Payments" class="num">
                    {row.payments ?? '–'}
                  </td>
                  <td data-label="Revenue" class="num">
                    {amountOf(row)}
                  </td>
                  <td data-label="Services">{row.services.join(', ') || '–'}</td>
                  <td data-label="Last payment">
                    {row.lastPaymentAt ? formatTime(row.lastPaymentAt) : '–'}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
      </section>
      <section class="card">
        <h2>Resources</h2>
        {resources.data?.resources.length === 0 ? <p class="muted">No paid resource yet.</p> : null}
        {resources.data && resources.data.resources.length > 0 ? (
          <table class="table">
            <thead>
              <tr>
                <th>Resource</th>
                <th>Service</th>
                <th class="num">Payments</th>
                <th class="num">Revenue</th>
                <th>Payee</th>
                <th>Last payment</th>
              </tr>
            </thead>
            <tbody>
              {resources.data.resources.map((row) => (
                <tr key={`${row.resource}|${row.network}|${row.payTo}|${row.asset ?? ''}`}>
                  <td data-label="Resource" class="mono wrap">
                    {row.resource || '(unknown)'}
                  </td>
                  <td data-label="Service">
                    {row.serviceName ?? row.description ?? '–'}
                    {row.cataloguedAt ? null : <span class="muted small"> not catalogued</span>}
                  </td>
                  <td data-label="Payments" class="num">
                    {row.payments ?? '–'}
                  </td>
                  <td data-label="Revenue" class="num">
                    {amountOf(row)}
                  </td>
                  <td data-label="Payee" class="mono" title={row.payTo}>
                    {shorten(row.payTo)}
                  </td>
                  <td data-label="Last payment">
                    {row.lastPaymentAt ? formatTime(row.lastPaymentAt) : '–'}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
      </section>
    </div>
  )
}
