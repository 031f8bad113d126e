/**
 * @module
 * Live updates for the dashboard: one poller reads the ledger's change mark while anyone listens
 * and tells every listener when it moved. However many dashboards are open, the database sees one
 * cheap query per interval, and none when nobody watches. `serveEvents` turns a listener into a
 * server-sent event stream.
 */
import type { LedgerReports } from '@tollgate/core'
import { reasonOf } from '@tollgate/core'
import type { Context } from 'hono'
import { streamSSE } from 'hono/streaming'

/** A comment line this often keeps proxies from closing an idle stream. */
const heartbeatMs = 15_000

export interface ChangeListener {
  tick(mark: string): void
  /** The facilitator is shutting down: the stream should end. */
  end(): void
}

export class ChangeTicker {
  readonly #readMark: () => Promise<string>
  readonly #pollMs: number
  readonly #onError: (error: unknown) => void
  /** Each listener with the last mark it was told (or read itself), so none misses a change. */
  readonly #listeners = new Map<ChangeListener, string>()
  #timer: ReturnType<typeof setInterval> | undefined
  #reading = false
  #closed = false

  constructor(options: {
    readMark: () => Promise<string>
    pollMs: number
    onError: (error: unknown) => void
  }) {
    if (!(options.pollMs >= 50)) throw new RangeError('pollMs must be at least 50')
    this.#readMark = options.readMark
    this.#pollMs = options.pollMs
    this.#onError = options.onError
  }

  get listeners(): number {
    return this.#listeners.size
  }

  /**
   * Starts polling with the first listener, which is told of any mark other than `knownMark`
   * (the one it read before loading its data). The returned function unsubscribes.
   */
  subscribe(listener: ChangeListener, knownMark: string): () => void {
    if (this.#closed) {
      listener.end()
      return () => undefined
    }
    this.#listeners.set(listener, knownMark)
    if (!this.#timer) {
      this.#timer = setInterval(() => void this.#poll(), this.#pollMs)
      this.#timer.unref?.()
    }
    return () => {
      this.#listeners.delete(listener)
      if (this.#listeners.size === 0) this.#stop()
    }
  }

  /** Ends every stream and stops polling for good. */
  close(): void {
    this.#closed = true
    this.#stop()
    for (const listener of this.#listeners.keys()) listener.end()
    this.#listeners.clear()
  }

  #stop(): void {
    if (this.#timer) clearInterval(this.#timer)
    this.#timer = undefined
  }

  async #poll(): Promise<void> {
    if (this.#reading) return
    this.#reading = true
    try {
      const mark = await this.#readMark()
      for (const [listener, known] of this.#listeners) {
        if (known === mark) continue
        this.#listeners.set(listener, mark)
        listener.tick(mark)
      }
    } catch (error) {
      this.#onError(error)
    } finally {
      this.#reading = false
    }
  }
}

/** `GET /api/events`: `ready` with the current mark, then `tick` on every change. */
export async function serveEvents(
  c: Context,
  ticker: ChangeTicker,
  reports: LedgerReports,
  streamsMax: number,
): Promise<Response> {
  if (ticker.listeners >= streamsMax) {
    return c.json(
      { error: reasonOf('STREAMS_EXHAUSTED'), message: 'poll /api/overview instead' },
      503,
    )
  }
  const mark = await reports.changeMark()
  return streamSSE(c, async (stream) => {
    let wake: () => void = () => undefined
    let latest: string | undefined
    let ended = false
    const unsubscribe = ticker.subscribe(
      {
        tick(next) {
          latest = next
          wake()
        },
        end() {
          ended = true
          wake()
        },
      },
      mark,
    )
    stream.onAbort(() => {
      ended = true
      wake()
    })
    try {
      await stream.writeSSE({ event: 'ready', data: JSON.stringify({ mark }) })
      while (!ended && !stream.aborted) {
        // A tick that came while the last one was being written is sent without waiting.
        if (latest === undefined) {
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, heartbeatMs)
            wake = () => {
              clearTimeout(timer)
              resolve()
            }
          })
        }
        if (ended || stream.aborted) break
        const next = latest
        latest = undefined
        if (next === undefined) await stream.write(': ping\n\n')
        else await stream.writeSSE({ event: 'tick', data: JSON.stringify({ mark: next }) })
      }
    } finally {
      unsubscribe()
    }
  })
}
