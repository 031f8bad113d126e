import type { FacilitatorClock } from '../facilitator/clock.ts'

/**
 * A clock that moves only when told: sleepers wake and repeated ticks fire as `advance` passes
 * their time, in time order, with the promise jobs they start run in between.
 */
export class FakeClock implements FacilitatorClock {
  #nowMs: number
  #timers: { atMs: number; wake: () => void; everyMs?: number }[] = []

  /** Starts at the wall clock's now: the ledger stamps records with its database's time. */
  constructor(startMs = Date.now()) {
    this.#nowMs = startMs
  }

  nowMs = (): number => this.#nowMs

  sleep = (ms: number): Promise<void> =>
    new Promise((resolve) => this.#timers.push({ atMs: this.#nowMs + ms, wake: resolve }))

  every = (ms: number, tick: () => void): (() => void) => {
    const timer = { atMs: this.#nowMs + ms, wake: tick, everyMs: ms }
    this.#timers.push(timer)
    return () => {
      this.#timers = this.#timers.filter((candidate) => candidate !== timer)
    }
  }

  /** Sleepers and ticks waiting now. */
  get pending(): number {
    return this.#timers.length
  }

  async advance(ms: number): Promise<void> {
    const targetMs = this.#nowMs + ms
    for (;;) {
      await settle()
      const due = this.#timers
        .filter((timer) => timer.atMs <= targetMs)
        .sort((left, right) => left.atMs - right.atMs)[0]
      if (!due) break
      this.#nowMs = Math.max(this.#nowMs, due.atMs)
      if (due.everyMs === undefined) this.#timers = this.#timers.filter((timer) => timer !== due)
      else due.atMs += due.everyMs
      due.wake()
    }
    this.#nowMs = targetMs
    await settle()
  }
}

/** Lets the promise jobs already queued (and the ones they queue) run. */
async function settle(): Promise<void> {
  for (let turn = 0; turn < 20; turn += 1) await Promise.resolve()
  await new Promise((resolve) => setImmediate(resolve))
}
