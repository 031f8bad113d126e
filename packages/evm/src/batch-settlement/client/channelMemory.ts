/** What a buyer remembers of one channel: confirmed deposits and what the seller charged. */
export interface ClientChannel {
  /** Deposited, as counted from receipts of mined deposits (or read from the escrow). */
  balance: string
  /** What the seller charged so far: the next voucher adds the price to it. */
  chargedCumulativeAmount: string
}

/** Where a buyer keeps its channels; share one between processes paying from the same wallet. */
export interface ClientChannelStore {
  get(channelId: string): Promise<ClientChannel | undefined>
  set(channelId: string, channel: ClientChannel | undefined): Promise<void>
}

export class MemoryClientChannelStore implements ClientChannelStore {
  readonly #channels = new Map<string, ClientChannel>()

  async get(channelId: string): Promise<ClientChannel | undefined> {
    const found = this.#channels.get(channelId.toLowerCase())
    return found ? { ...found } : undefined
  }

  async set(channelId: string, channel: ClientChannel | undefined): Promise<void> {
    if (channel) this.#channels.set(channelId.toLowerCase(), { ...channel })
    else this.#channels.delete(channelId.toLowerCase())
  }
}
