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
  #open: T[] = []
  #timer: ReturnType<typeof setTimeout> | ReturnType<typeof setImmediate> | undefined
  #windowClosed = false
  readonly #running = new Set<Promise<void>>()

  constructor(options: {
    maxSize: number
    maxWaitMs: number
    /** @default Infinity */
    maxConcurrent?: number
    flush: (items: T[]) => Promise<void>
  }) {
    if (options.maxSize < 1) throw new Error('a batch holds at least one item')
    this.#maxSize = options.maxSize
    this.#maxWaitMs = options.maxWaitMs
    this.#maxConcurrent = options.maxConcurrent ?? Number.POSITIVE_INFINITY
    this.#flush = options.flush
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
    if (this.#timer || this.#windowClosed) return
    this.#timer =
      this.#maxWaitMs > 0
        ? setTimeout(() => this.#closeWindow(), this.#maxWaitMs)
        : setImmediate(() => this.#closeWindow())
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
    if (this.#timer) {
      clearTimeout(this.#timer as ReturnType<typeof setTimeout>)
      clearImmediate(this.#timer as ReturnType<typeof setImmediate>)
      this.#timer = undefined
    }
    this.#windowClosed = true
    this.#dispatch()
  }

  #dispatch(): void {
    while (this.#open.length > 0 && this.#running.size < this.#maxConcurrent) {
      const items = this.#open.splice(0, this.#maxSize)
      const running: Promise<void> = this.#flush(items)
        .catch(() => undefined)
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
