/**
 * @module
 * The facilitator's signers: balance, next nonce, transactions not yet final, and an alert for
 * every network whose readiness check failed (a balance below its threshold, an RPC down).
 */
import type { Signers } from './api.ts'
import { formatBalance, formatTime, networkLabel } from './format.ts'
import { useApi } from './live.ts'

export function SignersView(props: { version: number }) {
  const { data, error } = useApi<Signers>('signers', props.version)
  return (
    <div class="signers">
      <div class="toolbar">
        <h1>Signers</h1>
        {data ? <span class="muted small">checked {formatTime(data.checkedAt)}</span> : null}
      </div>
      {error ? <p class="error">{error.message}</p> : null}
      {data?.alerts.map((alert) => (
        <div class="alert" role="alert" key={alert.network}>
          <strong>{networkLabel(alert.network)}</strong> {alert.message}
        </div>
      ))}
      {data && data.alerts.length === 0 ? (
        <p class="ok">Every network is ready and every signer above its threshold.</p>
      ) : null}
      {data && data.signers.length > 0 ? (
        <table class="table">
          <thead>
            <tr>
              <th>Network</th>
              <th>Address</th>
              <th class="num">Balance</th>
              <th class="num">Next nonce</th>
              <th class="num">Pending</th>
              <th>Last transaction</th>
            </tr>
          </thead>
          <tbody>
            {data.signers.map((signer) => (
              <tr key={`${signer.network}|${signer.address}`} class={signer.low ? 'low' : ''}>
                <td data-label="Network">{networkLabel(signer.network)}</td>
                <td data-label="Address" class="mono wrap">
                  {signer.address}
                </td>
                <td data-label="Balance" class="num">
                  {formatBalance(signer.balance, signer.unit)}
                  {signer.low ? <span class="badge state-failed">low</span> : null}
                </td>
                <td data-label="Next nonce" class="num">
                  {signer.nextNonce ?? '–'}
                </td>
                <td data-label="Pending" class="num">
                  {signer.pendingTransactions}
                </td>
                <td data-label="Last transaction">
                  {signer.lastTransactionAt ? formatTime(signer.lastTransactionAt) : '–'}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </div>
  )
}
