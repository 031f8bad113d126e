import type { ChannelConfig } from '../payload.ts'

/**
 * What a seller knows of one channel: the escrow's state as last confirmed (deposits counted only
 * once their transaction was mined) and what it charged, with the payer's latest voucher, which
 * is what it claims.
 */
export interface ServerChannel {
  channelId: string
  config: ChannelConfig
  /** Deposited and not withdrawn or refunded, as the escrow last reported it. */
  balance: string
  /** Claimed on chain so far. */
  totalClaimed: string
  /** Charged for requests served: what the next voucher must add to. */
  chargedCumulativeAmount: string
  /** The latest voucher: its cumulative amount and signature (claimable up to the charge). */
  signedMaxClaimable: string
  signature: string
  withdrawRequestedAt: number
  refundNonce: string
  /**
   * The deposit transaction that opened the channel as it stands: a channel closed and opened
   * again starts its vouchers from zero, and this tells the two lives apart.
   */
  openedBy: string
  updatedAtMs: number
}

export interface StoredChannel {
  channel: ServerChannel
  /** Changes with every write; a write names the version it read. */
  version: number
}

/**
 * Channel records shared by every instance of a server: a voucher is charged by exactly one
 * compare-and-set, so two instances (or two requests) never charge the same increment twice and
 * a restart loses nothing that was charged.
 */
export interface ChannelStore {
  get(channelId: string): Promise<StoredChannel | undefined>
  /**
   * Writes `next` (or removes the record, for `undefined`) only if the stored version is still
   * `expectedVersion` (0: no record). False when someone else wrote first.
   */
  compareAndSet(
    channelId: string,
    expectedVersion: number,
    next: ServerChannel | undefined,
  ): Promise<boolean>
  list(): Promise<StoredChannel[]>
}

/** In one process only: for tests and single-instance servers that may lose state on restart. */
export class MemoryChannelStore implements ChannelStore {
  readonly #records = new Map<string, StoredChannel>()
  #versions = 0

  async get(channelId: string): Promise<StoredChannel | undefined> {
    const stored = this.#records.get(channelId.toLowerCase())
    return stored ? copyOf(stored) : undefined
  }

  async compareAndSet(
    channelId: string,
    expectedVersion: number,
    next: ServerChannel | undefined,
  ): Promise<boolean> {
    const key = channelId.toLowerCase()
    if ((this.#records.get(key)?.version ?? 0) !== expectedVersion) return false
    if (next) this.#records.set(key, { channel: copyChannel(next), version: ++this.#versions })
    else this.#records.delete(key)
    return true
  }

  async list(): Promise<StoredChannel[]> {
    return [...this.#records.values()].map(copyOf)
  }
}

/** Copies that share nothing with the caller's (the records are flat apart from the config). */
function copyChannel(channel: ServerChannel): ServerChannel {
  return { ...channel, config: { ...channel.config } }
}

function copyOf(stored: StoredChannel): StoredChannel {
  return { channel: copyChannel(stored.channel), version: stored.version }
}
