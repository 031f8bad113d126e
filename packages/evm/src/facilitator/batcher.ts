/**
 * Collects items into batches: a batch closes when it is full or when its window has been open
 * `maxWaitMs` (0: at the end of the current turn of the event loop, so requests that arrived
 * together leave together). Flushes run concurrently; each is handed its own items.
 */
export class Batcher<T> {
  readonly #maxSize: number
  readonly #maxWaitMs: number
  readonly #flush: (items: T[]) => Promise<void>
  #open: T[] = []
  #timer: ReturnType<typeof setTimeout> | ReturnType<typeof setImmediate> | undefined
  #running = new Set<Promise<void>>()

  constructor(options: {
    maxSize: number
    maxWaitMs: number
    flush: (items: T[]) => Promise<void>
  }) {
    if (options.maxSize < 1) throw new Error('a batch holds at least one item')
    this.#maxSize = options.maxSize
    this.#maxWaitMs = options.maxWaitMs
    this.#flush = options.flush
  }

  /** Items waiting for their batch to close. */
  get depth(): number {
    return this.#open.length
  }

  add(item: T): void {
    this.#open.push(item)
    if (this.#open.length >= this.#maxSize) {
      this.#close()
      return
    }
    if (this.#timer) return
    this.#timer =
      this.#maxWaitMs > 0
        ? setTimeout(() => this.#close(), this.#maxWaitMs)
        : setImmediate(() => this.#close())
  }

  /** Closes the open batch now and waits for every running flush. */
  async drain(): Promise<void> {
    this.#close()
    await Promise.all(this.#running)
  }

  #close(): void {
    if (this.#timer) {
      clearTimeout(this.#timer as ReturnType<typeof setTimeout>)
      clearImmediate(this.#timer as ReturnType<typeof setImmediate>)
      this.#timer = undefined
    }
    while (this.#open.length > 0) {
      const items = this.#open.splice(0, this.#maxSize)
      const running = this.#flush(items).catch(() => undefined)
      this.#running.add(running)
      void running.finally(() => this.#running.delete(running))
    }
  }
}
