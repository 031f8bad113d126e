/**
 * @module
 * Credit ("serve first, pay later"): each agent a seller served before its payment settled, its
 * reputation as the seller's trusted reviewers see it, what it owes now (outstanding), what
 * arrived (settled) and what failed to settle (defaulted: a debt that stops its credit).
 */
import type { Credit } from './api.ts'
import { formatAmount, formatTime, networkLabel, shorten } from './format.ts'
import { useApi } from './live.ts'

export function CreditView(props: { version: number }) {
  const { data, error } = useApi<Credit>('credit', props.version)
  return (
    <div class="credit">
      <div class="toolbar">
        <h1>Credit</h1>
        {data ? <span class="muted small">read {formatTime(data.checkedAt)}</span> : null}
      </div>
      {error ? <p class="error">{error.message}</p> : null}
      {data && !data.enabled ? (
        <p class="muted">No seller here extends credit: routes without `credit` settle first.</p>
      ) : null}
      {data?.enabled && data.agents.length === 0 ? (
        <p class="muted">No agent has been served on credit yet.</p>
      ) : null}
      {data && data.agents.length > 0 ? (
        <table class="table">
          <thead>
            <tr>
              <th>Agent</th>
              <th>Network</th>
              <th class="num">Reputation</th>
              <th class="num">Served on credit</th>
              <th class="num">Outstanding</th>
              <th class="num">Settled</th>
              <th class="num">Defaulted</th>
            </tr>
          </thead>
          <tbody>
            {data.agents.map((row) => (
              <tr
                key={`${row.agent}|${row.network}|${row.asset}`}
                class={row.defaultedCount > 0 ? 'defaulted' : ''}
              >
                <td data-label="Agent" class="mono" title={row.agent}>
                  {agentLabel(row.agent)}
                </td>
                <td data-label="Network">{networkLabel(row.network)}</td>
                <td data-label="Reputation" class="num">
                  {row.reputation
                    ? `${row.reputation.value} (${row.reputation.count} review${row.reputation.count === 1 ? '' : 's'})`
                    : '–'}
                </td>
                <td data-label="Served on credit" class="num">
                  {row.creditedCount}
                </td>
                <td data-label="Outstanding" class="num">
                  {formatAmount(row.outstanding, row)}
                </td>
                <td data-label="Settled" class="num">
                  {formatAmount(row.settled, row)}
                </td>
                <td data-label="Defaulted" class="num">
                  {formatAmount(row.defaulted, row)}
                  {row.defaultedCount > 0 ? (
                    <span
                      class="badge state-failed"
                      title="credit stopped until the operator forgives the debt"
                    >
                      in debt
                    </span>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </div>
  )
}

/** `eip155:8453:0x8004…:42` as `#42 on 0x8004…` (the registry shortened). */
function agentLabel(agent: string): string {
  const parts = agent.split(':')
  const id = parts.at(-1)
  const registry = parts.at(-2)
  return id && registry ? `#${id} · ${shorten(registry)}` : agent
}
