import { TollgateError } from '@tollgate/core'
import {
  type Address,
  BaseError,
  type Hex,
  keccak256,
  type LocalAccount,
  type PublicClient,
  RpcRequestError,
} from 'viem'
import { shortMessage } from './signature.ts'

/** A transaction handed to the chain; its hash is known before it is broadcast. */
export interface SentTransaction {
  hash: Hex
  from: Address
  nonce: number
}

interface SignerLane {
  account: LocalAccount
  /** Next nonce to use; undefined means "read it from the chain's pending count". */
  nonce: number | undefined
  /** Serialises allocation *and* submission, so nonces reach the node in order with no gaps. */
  queue: Promise<unknown>
}

/**
 * Signs and submits transactions from a pool of hot wallets, round robin. Each wallet has its
 * own lane: a nonce is taken, signed and broadcast under the lane's lock, and a failed send
 * re-reads the nonce from the chain instead of leaving a gap.
 */
export class TransactionSender {
  readonly #client: PublicClient
  readonly #chainId: number
  readonly #lanes: SignerLane[]
  readonly #maxFeePerGasCap: bigint | undefined
  #nextLane = 0
  #fees:
    | { at: number; value: Promise<{ maxFeePerGas: bigint; maxPriorityFeePerGas: bigint }> }
    | undefined

  constructor(options: {
    client: PublicClient
    chainId: number
    signers: readonly LocalAccount[]
    maxFeePerGasCap?: bigint | undefined
  }) {
    this.#client = options.client
    this.#chainId = options.chainId
    this.#lanes = options.signers.map((account) => ({
      account,
      nonce: undefined,
      queue: Promise.resolve(),
    }))
    this.#maxFeePerGasCap = options.maxFeePerGasCap
  }

  get addresses(): Address[] {
    return this.#lanes.map((lane) => lane.account.address)
  }

  /** Submits a call; resolves once the node has accepted it (or already knew it). */
  send(call: { to: Address; data: Hex; gas: bigint }): Promise<SentTransaction> {
    const lane = this.#lanes[this.#nextLane++ % this.#lanes.length]!
    const result = lane.queue.then(() => this.#sendInLane(lane, call))
    lane.queue = result.catch(() => undefined)
    return result
  }

  async #sendInLane(
    lane: SignerLane,
    call: { to: Address; data: Hex; gas: bigint },
  ): Promise<SentTransaction> {
    for (let attempt = 0; ; attempt++) {
      lane.nonce ??= await this.#client.getTransactionCount({
        address: lane.account.address,
        blockTag: 'pending',
      })
      const nonce = lane.nonce
      const fees = await this.#currentFees()
      const serializedTransaction = await lane.account.signTransaction({
        type: 'eip1559',
        chainId: this.#chainId,
        nonce,
        to: call.to,
        data: call.data,
        gas: call.gas,
        ...fees,
      })
      const hash = keccak256(serializedTransaction)
      try {
        await this.#client.sendRawTransaction({ serializedTransaction })
        lane.nonce = nonce + 1
        return { hash, from: lane.account.address, nonce }
      } catch (error) {
        const outcome = await this.#classifySendFailure(error, hash)
        if (outcome === 'accepted') {
          lane.nonce = nonce + 1
          return { hash, from: lane.account.address, nonce }
        }
        // From here the chain is the source of truth for this lane's next nonce.
        lane.nonce = undefined
        if (outcome === 'unknown') return { hash, from: lane.account.address, nonce }
        if (outcome === 'stale-nonce' && attempt < 2) continue
        throw new TollgateError(
          'SETTLE_UNEXPECTED',
          `the node refused the settlement: ${shortMessage(error)}`,
          {
            cause: error,
          },
        )
      }
    }
  }

  /**
   * A node's JSON-RPC error is a definite answer. A transport failure is not: the transaction
   * may have gone out, so it is looked up by its hash, and when that cannot tell either the
   * send counts as "unknown" and the caller keeps the hash (settlement pending, never failed).
   */
  async #classifySendFailure(
    error: unknown,
    hash: Hex,
  ): Promise<'accepted' | 'stale-nonce' | 'refused' | 'unknown'> {
    const text = shortMessage(error).toLowerCase()
    if (text.includes('already known') || text.includes('known transaction')) return 'accepted'
    if (text.includes('nonce too low') || text.includes('nonce has already been used'))
      return 'stale-nonce'
    const nodeAnswered =
      error instanceof BaseError && Boolean(error.walk((cause) => cause instanceof RpcRequestError))
    if (nodeAnswered) return 'refused'
    try {
      return (await this.#client.getTransaction({ hash })) ? 'accepted' : 'unknown'
    } catch {
      return 'unknown'
    }
  }

  /** Fees change per block, not per payment: one read serves every send for two seconds. */
  #currentFees(): Promise<{ maxFeePerGas: bigint; maxPriorityFeePerGas: bigint }> {
    const now = Date.now()
    if (!this.#fees || now - this.#fees.at > 2_000) {
      const value = this.#client.estimateFeesPerGas().then((fees) => {
        if (this.#maxFeePerGasCap !== undefined && fees.maxFeePerGas > this.#maxFeePerGasCap) {
          throw new TollgateError(
            'SETTLE_UNEXPECTED',
            `fee per gas ${fees.maxFeePerGas} exceeds the cap ${this.#maxFeePerGasCap}`,
          )
        }
        return { maxFeePerGas: fees.maxFeePerGas, maxPriorityFeePerGas: fees.maxPriorityFeePerGas }
      })
      this.#fees = { at: now, value }
      value.catch(() => {
        if (this.#fees?.value === value) this.#fees = undefined
      })
    }
    return this.#fees.value
  }
}
