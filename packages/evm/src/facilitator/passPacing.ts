/**
 * The most passes' time between two head reads of a chain standing still: a reorganisation in a
 * quiet spell is found within 8 s at the default pace.
 */
const stillWatchFactor = 8

/** What the facilitator knows at a tick about the work around it. */
export interface PassLoad {
  /** A verify or settle came since the last full pass, or payments are queued or in flight. */
  busy: boolean
  /** Work the last full pass found to drive (or could not look at): more may follow. */
  driven: number
  /** Settlements the finality watch still guards. */
  watching: number
  /** A settlement was recorded mined since the last pass began: the watch looks now. */
  noted: boolean
}

/**
 * When background passes come: background work scales with load. While there is work (see
 * `PassLoad`), full passes (recovery, signer balances, maintenance) come every
 * `recoveryIntervalMs`. At rest, a ledger no other process writes waits `idlePassMs`: nothing
 * there can change but through this process. A shared ledger's gap doubles up to the lease
 * instead, so another process's crashed work is still looked at within a lease. The finality
 * watch keeps the full pace while a settlement is in the reorg window and the chain moves; while
 * its head stands still (a devnet between payments), the gap doubles up to `stillWatchFactor`
 * passes' time, and a new head brings it back.
 */
export class PassPacing {
  readonly #intervalMs: number
  readonly #restingCeilingMs: number
  readonly #exclusive: boolean
  #fullPassAtMs: number
  #idleGapMs: number
  #watchedAtMs = 0
  #watchGapMs: number

  constructor(
    settings: { recoveryIntervalMs: number; idlePassMs: number; leaseMs: number },
    exclusive: boolean,
    nowMs: number,
  ) {
    this.#intervalMs = settings.recoveryIntervalMs
    this.#exclusive = exclusive
    this.#restingCeilingMs = exclusive
      ? Math.max(settings.idlePassMs, settings.recoveryIntervalMs)
      : Math.max(settings.leaseMs, settings.recoveryIntervalMs)
    this.#fullPassAtMs = nowMs
    this.#idleGapMs = settings.recoveryIntervalMs
    this.#watchGapMs = settings.recoveryIntervalMs
  }

  /** When the last full pass began: a request since then makes the facilitator busy. */
  get fullPassAtMs(): number {
    return this.#fullPassAtMs
  }

  /** The pass due at this tick, if any; the caller runs it and reports it with `passed`. */
  due(nowMs: number, load: PassLoad): 'full' | 'watch' | undefined {
    const full = load.busy || load.driven > 0 || nowMs - this.#fullPassAtMs >= this.#idleGapMs
    if (load.noted) this.#watchGapMs = this.#intervalMs
    const watchDue =
      load.noted || (load.watching > 0 && nowMs - this.#watchedAtMs >= this.#watchGapMs)
    if (!full && !watchDue) return undefined
    if (full) this.#fullPassAtMs = nowMs
    this.#watchedAtMs = nowMs
    return full ? 'full' : 'watch'
  }

  /** After a pass: `still` when every watched chain's head had not moved. */
  passed(kind: 'full' | 'watch', load: Pick<PassLoad, 'busy' | 'driven'>, still: boolean): void {
    this.#watchGapMs = still
      ? Math.min(this.#watchGapMs * 2, stillWatchFactor * this.#intervalMs)
      : this.#intervalMs
    if (kind !== 'full') return
    this.#idleGapMs = load.busy || load.driven > 0 ? this.#intervalMs : this.#restingGapMs()
  }

  /** The start-up pass begins: its time counts as a full pass's. */
  starting(nowMs: number): void {
    this.#fullPassAtMs = nowMs
  }

  /** The start-up pass found nothing to finish, and nothing came meanwhile: at rest already. */
  startedAtRest(): void {
    this.#idleGapMs = this.#restingGapMs()
  }

  #restingGapMs(): number {
    return this.#exclusive
      ? this.#restingCeilingMs
      : Math.min(this.#idleGapMs * 2, this.#restingCeilingMs)
  }
}
