/**
 * Time as the facilitator sees it. Every deadline, age, poll and background pass goes through
 * one of these, so a test can drive a stuck transaction's age or a receipt wait without waiting.
 */
export interface FacilitatorClock {
  /** Milliseconds since the epoch. */
  nowMs(): number
  /** Resolves after `ms`; keeps the process alive meanwhile, since work is waiting on it. */
  sleep(ms: number): Promise<void>
  /**
   * Calls `tick` every `ms` until the returned function is called. It does not keep the process
   * alive by itself: the background pass runs beside a server, not instead of one.
   */
  every(ms: number, tick: () => void): () => void
}

export const systemClock: FacilitatorClock = {
  nowMs: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  every(ms, tick) {
    const timer = setInterval(tick, ms)
    timer.unref()
    return () => clearInterval(timer)
  },
}
