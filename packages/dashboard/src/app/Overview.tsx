/**
 * @module
 * The overview: headline figures and the plots (payments and volume over time, outcomes by
 * reason, settlement latency percentiles, gas per payment, batch sizes) for a chosen window.
 */
import type { Overview } from './api.ts'
import { Chart } from './Chart.tsx'
import { formatAmount, formatCount, formatMs } from './format.ts'

export const ranges = ['15m', '1h', '24h', '7d', '30d'] as const
export type RangeName = (typeof ranges)[number]

const palette = {
  confirmed: '#1f9d55',
  failed: '#d64545',
  open: '#d69e2e',
  blue: '#3867d6',
  purple: '#8854d0',
  teal: '#0fb9b1',
}
const volumeColors = [palette.blue, palette.purple, palette.teal, palette.open]

function Stat(props: { label: string; value: string; detail?: string; tone?: 'bad' | 'good' }) {
  return (
    <div class={`stat ${props.tone ?? ''}`}>
      <div class="stat-label">{props.label}</div>
      <div class="stat-value">{props.value}</div>
      {props.detail ? <div class="stat-detail">{props.detail}</div> : null}
    </div>
  )
}

function Stats({ overview }: { overview: Overview }) {
  const { totals, latency, gas } = overview
  const finished = totals.confirmed + totals.failed
  const successRate = finished > 0 ? `${((totals.confirmed / finished) * 100).toFixed(1)} %` : '–'
  return (
    <section class="stats" aria-label="Headline figures">
      <Stat
        label="Payments"
        value={formatCount(totals.payments)}
        detail={`${totals.confirmed} confirmed · ${totals.failed} failed · ${totals.open} open`}
      />
      <Stat
        label="Success rate"
        value={successRate}
        tone={totals.failed > 0 ? 'bad' : 'good'}
        detail="of finished payments"
      />
      <Stat
        label="Volume"
        value={
          overview.volume.length > 0
            ? overview.volume.map((volume) => formatAmount(volume.total, volume)).join(' · ')
            : '0'
        }
        detail="confirmed"
      />
      <Stat
        label="Settlement latency"
        value={latency.count > 0 ? formatMs(latency.p50Ms) : '–'}
        detail={
          latency.count > 0
            ? `p90 ${formatMs(latency.p90Ms)} · p99 ${formatMs(latency.p99Ms)}`
            : 'no confirmed payment'
        }
      />
      <Stat
        label="Gas per payment"
        value={gas.perPayment !== null ? formatCount(gas.perPayment) : '–'}
        detail={`${formatCount(Number(gas.used))} gas in ${gas.transactions} transactions`}
      />
      <Stat
        label="Batch size"
        value={overview.batchSizeMean !== null ? String(overview.batchSizeMean) : '–'}
        detail="payments per transaction"
      />
    </section>
  )
}

function Outcomes({ overview }: { overview: Overview }) {
  const rows = overview.outcomes
  const most = Math.max(1, ...rows.map((row) => row.payments))
  return (
    <figure class="chart outcomes" data-chart="outcomes">
      <figcaption>Outcomes by reason</figcaption>
      {rows.length === 0 ? <p class="muted">No payment in this window.</p> : null}
      <ul>
        {rows.map((row) => (
          <li key={`${row.state}|${row.reason ?? ''}`}>
            <span class={`badge state-${row.state}`}>{row.state}</span>
            <span class={row.state === 'failed' ? 'reason' : 'muted'}>
              {row.reason ?? (row.state === 'confirmed' ? 'settled' : 'in flight')}
            </span>
            <span class="bar" style={{ width: `${(row.payments / most) * 100}%` }} />
            <span class="count">{row.payments}</span>
          </li>
        ))}
      </ul>
      {overview.verifications.some((row) => row.reason) ? (
        <p class="muted small">
          Verify rejections:{' '}
          {overview.verifications
            .filter((row) => row.reason)
            .map((row) => `${row.reason} (${row.verifications})`)
            .join(', ')}
        </p>
      ) : null}
    </figure>
  )
}

export function OverviewView(props: {
  overview: Overview
  range: RangeName
  onRange: (range: RangeName) => void
}) {
  const { overview } = props
  const ms = (value: number) => formatMs(value)
  return (
    <div class="overview">
      <div class="toolbar">
        <h1>Overview</h1>
        <fieldset class="segmented" aria-label="Window">
          {ranges.map((range) => (
            <button
              type="button"
              key={range}
              class={range === props.range ? 'active' : ''}
              aria-pressed={range === props.range}
              onClick={() => props.onRange(range)}
            >
              {range}
            </button>
          ))}
        </fieldset>
      </div>
      <Stats overview={overview} />
      <div class="charts">
        <Chart
          id="payments"
          title="Payments"
          x={overview.time}
          series={[
            { label: 'confirmed', color: palette.confirmed, values: overview.payments.confirmed },
            { label: 'failed', color: palette.failed, values: overview.payments.failed },
            { label: 'open', color: palette.open, values: overview.payments.open },
          ]}
        />
        <Chart
          id="volume"
          title="Volume"
          note="confirmed"
          x={overview.time}
          series={
            overview.volume.length > 0
              ? overview.volume.map((volume, index) => ({
                  label: volume.symbol ?? volume.asset.slice(0, 10),
                  color: volumeColors[index % volumeColors.length]!,
                  values: volume.values,
                }))
              : [{ label: 'volume', color: palette.blue, values: overview.time.map(() => 0) }]
          }
        />
        <Outcomes overview={overview} />
        <Chart
          id="latency"
          title="Settlement latency"
          note="arrival to confirmation"
          x={overview.time}
          series={[
            {
              label: 'p50',
              color: palette.teal,
              values: overview.latency.series.p50Ms,
              format: ms,
            },
            {
              label: 'p90',
              color: palette.blue,
              values: overview.latency.series.p90Ms,
              format: ms,
            },
            {
              label: 'p99',
              color: palette.purple,
              values: overview.latency.series.p99Ms,
              format: ms,
            },
          ]}
        />
        <Chart
          id="gas"
          title="Gas per payment"
          x={overview.time}
          series={[
            { label: 'gas/payment', color: palette.open, values: overview.gas.series.perPayment },
          ]}
        />
        <Chart
          id="batches"
          title="Batch sizes"
          note="transactions per number of payments carried"
          categories
          bars
          x={overview.batchSizes.length > 0 ? overview.batchSizes.map((row) => row.size) : [1]}
          series={[
            {
              label: 'transactions',
              color: palette.blue,
              values:
                overview.batchSizes.length > 0
                  ? overview.batchSizes.map((row) => row.transactions)
                  : [0],
            },
          ]}
        />
      </div>
    </div>
  )
}
