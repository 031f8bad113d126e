/**
 * @module
 * Payment channels (batch-settlement): what each payer has deposited, what was claimed
 * for the payee, and, where the facilitator knows the seller's charges, what was charged with
 * vouchers and is not claimed yet. A pending withdrawal is marked: the payer may take what is
 * left once the delay passes, so outstanding vouchers should be claimed before.
 */
import type { Channels } from './api.ts'
import { formatAmount, formatTime, networkLabel, shorten } from './format.ts'
import { useApi } from './live.ts'

export function ChannelsView(props: { version: number }) {
  const { data, error } = useApi<Channels>('channels', props.version)
  return (
    <div class="channels">
      <div class="toolbar">
        <h1>Channels</h1>
        {data ? <span class="muted small">read {formatTime(data.checkedAt)}</span> : null}
      </div>
      {error ? <p class="error">{error.message}</p> : null}
      {data?.failures.map((scheme) => (
        <div class="alert" role="alert" key={scheme}>
          The channels of <strong>{scheme}</strong> could not be read from the chain.
        </div>
      ))}
      {data && data.channels.length === 0 ? (
        <p class="muted">No channel yet: a buyer opens one with its first voucher payment.</p>
      ) : null}
      {data && data.channels.length > 0 ? (
        <table class="table">
          <thead>
            <tr>
              <th>Channel</th>
              <th>Network</th>
              <th>Payer</th>
              <th>Payee</th>
              <th class="num">Deposit</th>
              <th class="num">Claimed</th>
              <th class="num">Charged</th>
              <th class="num">Outstanding</th>
              <th>Last transaction</th>
            </tr>
          </thead>
          <tbody>
            {data.channels.map((channel) => (
              <tr key={`${channel.network}|${channel.channelId}`}>
                <td data-label="Channel" class="mono" title={channel.channelId}>
                  {shorten(channel.channelId, 8)}
                </td>
                <td data-label="Network">{networkLabel(channel.network)}</td>
                <td data-label="Payer" class="mono" title={channel.payer}>
                  {shorten(channel.payer)}
                </td>
                <td data-label="Payee" class="mono" title={channel.payTo}>
                  {shorten(channel.payTo)}
                </td>
                <td data-label="Deposit" class="num">
                  {formatAmount(channel.balance, channel)}
                  {channel.withdrawRequestedAt ? (
                    <span
                      class="badge state-pending"
                      title={`withdrawal asked ${formatTime(channel.withdrawRequestedAt)}`}
                    >
                      withdrawing
                    </span>
                  ) : null}
                </td>
                <td data-label="Claimed" class="num">
                  {formatAmount(channel.totalClaimed, channel)}
                </td>
                <td data-label="Charged" class="num">
                  {channel.charged === undefined ? '–' : formatAmount(channel.charged, channel)}
                </td>
                <td data-label="Outstanding" class="num">
                  {channel.outstanding === undefined
                    ? '–'
                    : formatAmount(channel.outstanding, channel)}
                </td>
                <td data-label="Last transaction">{formatTime(channel.lastTransactionAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </div>
  )
}
