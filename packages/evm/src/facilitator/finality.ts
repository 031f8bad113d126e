import type { LedgerTransaction, SettlementFinality, SettlementLedger } from '@tollgate/core'
import type { Hex, PublicClient } from 'viem'
import { type EvmFacilitatorLogger, logFailure } from './failureLog.ts'
import type { NetworkFinality } from './finalityDefaults.ts'
import { receiptOf } from './receipts.ts'

/** The newest block as the watch sees it. */
export interface BlockHead {
  number: bigint
  hash: string
  parentHash: string
}

/** The chain reads the watch needs; a fake one serves unit tests. */
export interface FinalityChain {
  head(): Promise<BlockHead>
  /** The hash of the block at `number` on the current chain, undefined when there is none. */
  blockHash(number: bigint): Promise<string | undefined>
  /** Where a transaction is mined now; undefined when the chain has no receipt for it. */
  receipt(hash: string): Promise<{ blockNumber: bigint; blockHash: string } | undefined>
}

export function finalityChainOf(client: PublicClient): FinalityChain {
  return {
    async head() {
      const block = await client.getBlock({ blockTag: 'latest' })
      return { number: block.number, hash: block.hash, parentHash: block.parentHash }
    },
    async blockHash(number) {
      // Unread is "unknown", never "gone": callers look again rather than call it reorganised.
      const block = await client.getBlock({ blockNumber: number }).catch(() => undefined)
      return block?.hash ?? undefined
    },
    async receipt(hash) {
      // Only "no such receipt" says the transaction is gone; an RPC failure is thrown.
      const receipt = await receiptOf(client, hash as Hex)
      return receipt && { blockNumber: receipt.blockNumber, blockHash: receipt.blockHash }
    },
  }
}

export interface FinalityWatchOptions {
  network: string
  finality: NetworkFinality
  chain: FinalityChain
  ledger: SettlementLedger
  /** Sends a reorganised transaction's stored signed bytes again (never re-signed). */
  resend: (transaction: LedgerTransaction) => Promise<unknown>
  nowMs: () => number
  logger: EvmFacilitatorLogger
}

/** What one pass of the watch found. */
export interface WatchPass {
  /** Settlements mined within the reorg window: while there are any, passes should keep coming. */
  watching: number
  /** Transactions found reorganised away (and sent again) in this pass. */
  reorganised: number
  /** True when the head was the one every watched settlement was last found under. */
  still?: boolean
}

/** What a second look at a settled payment found. */
export type SettlementCheck =
  | { onChain: true; finality: SettlementFinality }
  /** The chain has no receipt: the block was reorganised away and the ledger now says so. */
  | { onChain: false }

/**
 * Watches the facilitator's recent settlements until they are `reorgWindowBlocks` deep: included
 * payments become confirmed at the confirmation depth, and a transaction whose block left the
 * chain goes back to broadcast, its payments back to submitted, and its signed bytes are sent
 * again (which also fills the nonce gap it left).
 *
 * Cheap on RPC: with no settlement in the window nothing is read from the chain; otherwise one
 * `latest` block per pass, and a block's hash is read once per head that extends the last one.
 * While the head stays the one a pass found every settlement under, a pass is that one read.
 */
export class FinalityWatch {
  readonly #options: FinalityWatchOptions
  #head: BlockHead | undefined
  /** Hashes of blocks on the chain as of `#head`; valid while each new head extends the last. */
  readonly #canonical = new Map<bigint, string>()
  /** Transactions whose included payments were confirmed by this process. */
  readonly #deepEnough = new Set<string>()
  /** When a reorganised transaction was sent again, so it is not replaced as stuck at once. */
  readonly #resentAtMs = new Map<string, number>()
  #reorganisedSinceRead = 0
  /** The head under which the last pass found every watched settlement in place. */
  #settledUnder: { hash: string; watching: number } | undefined
  #noted = false

  constructor(options: FinalityWatchOptions) {
    this.#options = options
  }

  get depth(): number {
    return this.#options.finality.confirmationDepth
  }

  /** The finality of a transaction mined at `blockNumber` when the head is at `head`. */
  finalityAt(blockNumber: bigint, head: bigint): SettlementFinality {
    const confirmations = head > blockNumber ? Number(head - blockNumber) : 0
    const required = this.depth
    return { state: confirmations >= required ? 'confirmed' : 'included', confirmations, required }
  }

  /** The finality of a transaction just mined at `blockNumber`; no RPC at depth 0. */
  async finalityOfNew(blockNumber: bigint): Promise<SettlementFinality> {
    if (this.depth === 0) return this.finalityAt(blockNumber, blockNumber)
    // Unread head: counted from the settlement's own block, the least it can be; the watch's next
    // pass reads the head again and raises it.
    const head = await this.#readHead().catch(() => undefined)
    return this.finalityAt(
      blockNumber,
      head && head.number > blockNumber ? head.number : blockNumber,
    )
  }

  /**
   * A settlement's receipt was recorded: the next pass has something to watch, whatever the last
   * one found (it may have read the ledger just before the record).
   */
  noteMined(): void {
    this.#noted = true
  }

  /** Whether a receipt was recorded since the last pass began. */
  get noted(): boolean {
    return this.#noted
  }

  /** Transactions this process found reorganised since the last read (a read takes them). */
  takeReorganised(): number {
    const count = this.#reorganisedSinceRead
    this.#reorganisedSinceRead = 0
    return count
  }

  /** When `hash` was last sent again after a reorganisation, if it was. */
  resentAtMs(hash: string): number | undefined {
    return this.#resentAtMs.get(hash)
  }

  /** One pass over the settlements mined within the window. */
  async pass(): Promise<WatchPass> {
    // A receipt recorded from here on may be missed by this pass's read: the next one looks.
    this.#noted = false
    const { ledger, network } = this.#options
    let head: BlockHead | undefined
    if (this.#settledUnder) {
      head = await this.#readHead()
      // The chain has not moved since every settlement was found in place: nothing can have been
      // reorganised away or grown deeper, so the ledger need not be read.
      if (head.hash.toLowerCase() === this.#settledUnder.hash)
        return { watching: this.#settledUnder.watching, reorganised: 0, still: true }
      this.#settledUnder = undefined
    }
    if (!this.#head) await this.#readHead()
    const candidates = await ledger.minedSince(network, this.#floor((head ?? this.#head!).number))
    // Idle: nothing mined recently, nothing to read from the chain.
    if (candidates.length === 0) {
      this.#deepEnough.clear()
      return { watching: 0, reorganised: 0 }
    }
    head ??= await this.#readHead()
    const floor = this.#floor(head.number)
    const mined = candidates.filter(
      (transaction) => transaction.blockNumber !== undefined && transaction.blockNumber >= floor,
    )
    const byBlock = new Map<bigint, LedgerTransaction[]>()
    const deep: LedgerTransaction[] = []
    for (const transaction of mined) {
      const block = transaction.blockNumber!
      byBlock.set(block, [...(byBlock.get(block) ?? []), transaction])
    }
    let reorganised = 0
    let unread = false
    for (const [block, transactions] of byBlock) {
      const canonical = block > head.number ? null : await this.#canonicalHash(block)
      // An unreadable block proves nothing; it is looked at again next pass.
      if (canonical === undefined) {
        unread = true
        continue
      }
      for (const transaction of transactions) {
        const stored = transaction.blockHash?.toLowerCase()
        if (canonical === null || (stored !== undefined && stored !== canonical)) {
          await this.#reorganise(transaction)
          reorganised += 1
          continue
        }
        if (this.#deepEnough.has(transaction.hash)) continue
        if (this.finalityAt(block, head.number).state === 'confirmed') deep.push(transaction)
      }
    }
    await this.#confirm(deep)
    const watched = new Set(mined.map((transaction) => transaction.hash))
    for (const hash of this.#deepEnough) if (!watched.has(hash)) this.#deepEnough.delete(hash)
    if (!unread && reorganised === 0 && mined.length > 0)
      this.#settledUnder = { hash: head.hash.toLowerCase(), watching: mined.length }
    return { watching: mined.length, reorganised }
  }

  /**
   * A second look at a settled payment's transaction before its record is repeated to a caller:
   * a transaction the chain no longer has is handled as reorganised at once.
   */
  async check(hash: string): Promise<SettlementCheck> {
    const receipt = await this.#options.chain.receipt(hash)
    if (!receipt) {
      const stored = await this.#options.ledger.findTransaction(hash)
      if (stored && (stored.state === 'mined' || stored.state === 'reverted'))
        await this.#reorganise(stored)
      return { onChain: false }
    }
    const head = await this.#readHead()
    return { onChain: true, finality: this.finalityAt(receipt.blockNumber, head.number) }
  }

  /** Included payments of transactions now deep enough become confirmed, in one write. */
  async #confirm(transactions: LedgerTransaction[]): Promise<void> {
    if (transactions.length === 0) return
    const ids = transactions.flatMap((transaction) => transaction.paymentIds)
    await this.#options.ledger.transition(ids, 'confirmed', {}, ['included'])
    for (const transaction of transactions) this.#deepEnough.add(transaction.hash)
  }

  async #reorganise(transaction: LedgerTransaction): Promise<void> {
    const { ledger, resend, logger, nowMs } = this.#options
    await ledger.reorganised(transaction.hash)
    this.#settledUnder = undefined
    this.#reorganisedSinceRead += 1
    this.#deepEnough.delete(transaction.hash)
    this.#resentAtMs.set(transaction.hash, nowMs())
    // Reorganisations are rare: the map stays small without a bound of its own.
    await resend({
      ...transaction,
      state: 'broadcast',
      blockNumber: undefined,
      blockHash: undefined,
    }).catch(
      logFailure(logger, 'sending a reorganised transaction again', { tx: transaction.hash }),
    )
  }

  #floor(head: bigint): bigint {
    const window = BigInt(this.#options.finality.reorgWindowBlocks)
    return head > window ? head - window : 0n
  }

  async #readHead(): Promise<BlockHead> {
    const head = await this.#options.chain.head()
    const previous = this.#head
    let extendsLast =
      previous !== undefined && (head.parentHash === previous.hash || head.hash === previous.hash)
    if (previous && !extendsLast && head.number > previous.number) {
      // Several blocks since the last pass: the last head still being there proves the same.
      const atPrevious = await this.#options.chain.blockHash(previous.number)
      extendsLast = atPrevious?.toLowerCase() === previous.hash.toLowerCase()
    }
    // A head that does not extend the last one may sit on another branch: nothing known holds.
    if (!extendsLast) this.#canonical.clear()
    this.#canonical.set(head.number, head.hash.toLowerCase())
    const floor = this.#floor(head.number)
    for (const number of this.#canonical.keys()) if (number < floor) this.#canonical.delete(number)
    this.#head = head
    return head
  }

  async #canonicalHash(number: bigint): Promise<string | undefined> {
    const known = this.#canonical.get(number)
    if (known) return known
    const hash = (await this.#options.chain.blockHash(number))?.toLowerCase()
    if (hash) this.#canonical.set(number, hash)
    return hash
  }
}
