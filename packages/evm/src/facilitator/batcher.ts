/**
 * Collects items into batches. A batch closes when it is full, or when its window has been open
 * `maxWaitMs` (0: at the end of the current turn of the event loop, so what arrived together
 * leaves together). At most `maxConcurrent` flushes run at once; meanwhile items keep gathering,
 * so under load batches grow by themselves (group commit).
 */
export class Batcher<T> {
  readonly #maxSize: number
  readonly #maxWaitMs: number
  readonly #maxConcurrent: number
  readonly #flush: (items: T[]) => Promise<void>
  readonly #onFlushError: (error: unknown) => void
  readonly #sleep: ((ms: number) => Promise<void>) | undefined
  #open: T[] = []
  #immediate: ReturnType<typeof setImmediate> | undefined
  /** The open window's number; a window's timer that fires after it closed does nothing. */
  #window = 0
  #windowOpen = false
  #windowClosed = false
  readonly #running = new Set<Promise<void>>()

  constructor(options: {
    maxSize: number
    maxWaitMs: number
    /** @default Infinity */
    maxConcurrent?: number
    /** Settles its items' callers itself; a failure that escapes it is reported here. */
    flush: (items: T[]) => Promise<void>
    onFlushError: (error: unknown) => void
    /** Times a window of `maxWaitMs` > 0 (the facilitator's clock). */
    sleep?: (ms: number) => Promise<void>
  }) {
    if (options.maxSize < 1) throw new Error('a batch holds at least one item')
    if (options.maxWaitMs > 0 && !options.sleep)
      throw new Error('a batch window of more than one turn needs a clock to time it')
    this.#maxSize = options.maxSize
    this.#maxWaitMs = options.maxWaitMs
    this.#maxConcurrent = options.maxConcurrent ?? Number.POSITIVE_INFINITY
    this.#flush = options.flush
    this.#onFlushError = options.onFlushError
    this.#sleep = options.sleep
  }

  /** Items waiting for their batch to leave. */
  get depth(): number {
    return this.#open.length
  }

  add(item: T): void {
    this.#open.push(item)
    if (this.#open.length >= this.#maxSize) {
      this.#closeWindow()
      return
    }
    if (this.#windowOpen || this.#windowClosed) return
    this.#windowOpen = true
    if (this.#maxWaitMs === 0) {
      this.#immediate = setImmediate(() => this.#closeWindow())
      return
    }
    const window = this.#window
    void this.#sleep!(this.#maxWaitMs).then(() => {
      if (this.#window === window) this.#closeWindow()
    })
  }

  /** Sends what is waiting now and waits for every running flush. */
  async drain(): Promise<void> {
    this.#closeWindow()
    while (this.#running.size > 0 || this.#open.length > 0) {
      await Promise.all(this.#running)
      this.#dispatch()
    }
  }

  #closeWindow(): void {
    if (this.#immediate) clearImmediate(this.#immediate)
    this.#immediate = undefined
    this.#window += 1
    this.#windowOpen = false
    this.#windowClosed = true
    this.#dispatch()
  }

  #dispatch(): void {
    while (this.#open.length > 0 && this.#running.size < this.#maxConcurrent) {
      const items = this.#open.splice(0, this.#maxSize)
      const running: Promise<void> = this.#flush(items)
        .catch(this.#onFlushError)
        .finally(() => {
          this.#running.delete(running)
          // A batch held back by the limit leaves now, with whatever joined it meanwhile; an open
          // window keeps its timer.
          if (this.#windowClosed) this.#dispatch()
        })
      this.#running.add(running)
    }
    if (this.#open.length === 0) this.#windowClosed = false
  }
}
