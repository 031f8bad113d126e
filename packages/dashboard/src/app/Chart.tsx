/**
 * @module
 * A uPlot chart that fills its container's width and follows it when the window resizes. New data
 * is set on the existing plot; a different set of series builds a new one. The figure carries
 * `data-chart` and `data-total` (the sum of every plotted value), so a test can tell the plot
 * holds the API's numbers.
 */
import { useEffect, useRef } from 'preact/hooks'
import uPlot from 'uplot'
import 'uplot/dist/uPlot.min.css'

export interface ChartSeries {
  label: string
  color: string
  values: Array<number | null>
  /** Formats a value in the legend. */
  format?: (value: number) => string
}

export interface ChartProps {
  id: string
  title: string
  /** The x values: bucket starts in seconds (time) or categories such as batch sizes. */
  x: number[]
  series: ChartSeries[]
  /** Bars instead of lines with points. */
  bars?: boolean
  /** `x` is not time (a histogram). */
  categories?: boolean
  height?: number
  note?: string
}

const axisStroke = '#5b6472'
const gridStroke = '#e6e8ec'

function options(props: ChartProps, width: number): uPlot.Options {
  const bars = uPlot.paths.bars?.({ size: [0.7, 48] })
  return {
    width,
    height: props.height ?? 200,
    scales: {
      // A histogram's few categories get room on both sides; time runs edge to edge.
      x: props.categories
        ? { time: false, range: (_, min, max) => [Math.max(0, min - 1), max + 1] }
        : { time: true },
      // From zero, with headroom; an empty plot still gets an axis (0 to 1).
      y: { range: (_, min, max) => [Math.min(0, min), max > 0 ? max * 1.1 : 1] },
    },
    cursor: { drag: { x: false, y: false } },
    legend: { live: true },
    axes: [
      {
        stroke: axisStroke,
        grid: { stroke: gridStroke, width: 1 },
        ticks: { stroke: gridStroke },
        // Batch sizes are whole numbers.
        ...(props.categories ? { incrs: [1, 2, 5, 10, 20, 50, 100] } : {}),
      },
      {
        stroke: axisStroke,
        grid: { stroke: gridStroke, width: 1 },
        ticks: { stroke: gridStroke },
        size: 56,
      },
    ],
    series: [
      { label: props.categories ? 'size' : 'time' },
      ...props.series.map(
        (series): uPlot.Series => ({
          label: series.label,
          stroke: series.color,
          width: 2,
          fill: props.bars ? `${series.color}cc` : `${series.color}1f`,
          spanGaps: true,
          // Points only where something happened: sixty zero buckets would read as noise.
          points: { show: !props.bars, size: 6, filter: measuredPoints },
          ...(props.bars && bars ? { paths: bars } : {}),
          ...(series.format
            ? {
                value: (_: uPlot, value: number | null) =>
                  value === null ? '–' : series.format!(value),
              }
            : {}),
        }),
      ),
    ],
  }
}

/** The indices of a series' non-zero values, where its points are drawn. */
function measuredPoints(plot: uPlot, seriesIndex: number): number[] {
  const values = plot.data[seriesIndex] ?? []
  const indices: number[] = []
  for (let index = 0; index < values.length; index++) {
    const value = values[index]
    if (value !== null && value !== undefined && value !== 0) indices.push(index)
  }
  return indices
}

function dataOf(props: ChartProps): uPlot.AlignedData {
  return [props.x, ...props.series.map((series) => series.values)]
}

/** The sum of every plotted value, rounded: what `data-total` shows. */
export function totalOf(series: readonly ChartSeries[]): number {
  const total = series.reduce(
    (sum, one) => sum + one.values.reduce<number>((inner, value) => inner + (value ?? 0), 0),
    0,
  )
  return Math.round(total * 1e6) / 1e6
}

export function Chart(props: ChartProps) {
  const container = useRef<HTMLDivElement>(null)
  const plot = useRef<uPlot | undefined>(undefined)
  const shape = props.series.map((series) => `${series.label}:${series.color}`).join('|')

  useEffect(() => {
    const element = container.current
    if (!element) return
    const made = new uPlot(
      options(props, Math.max(element.clientWidth, 200)),
      dataOf(props),
      element,
    )
    plot.current = made
    const observer = new ResizeObserver(() => {
      const width = Math.max(element.clientWidth, 200)
      if (width !== made.width) made.setSize({ width, height: props.height ?? 200 })
    })
    observer.observe(element)
    return () => {
      observer.disconnect()
      made.destroy()
      plot.current = undefined
    }
  }, [shape, props.bars, props.categories])

  useEffect(() => {
    plot.current?.setData(dataOf(props))
  }, [props.x, props.series])

  return (
    <figure class="chart" data-chart={props.id} data-total={String(totalOf(props.series))}>
      <figcaption>
        {props.title}
        {props.note ? <span class="muted"> · {props.note}</span> : null}
      </figcaption>
      <div class="chart-plot" ref={container} />
    </figure>
  )
}
