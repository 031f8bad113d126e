import type { LedgerTransaction, SettlementLedger, SignedTransaction } from '@tollgate/core'
import { TollgateError } from '@tollgate/core'
import {
  type Address,
  BaseError,
  type Hex,
  InsufficientFundsError,
  keccak256,
  type LocalAccount,
  type PublicClient,
  parseTransaction,
  RpcRequestError,
} from 'viem'
import type { FacilitatorClock } from './clock.ts'
import { type EvmFacilitatorLogger, logFailure } from './failureLog.ts'
import type { SettlementStep } from './options.ts'
import { shortMessage } from './signature.ts'

/**
 * What a broadcast told us. `unknown`: the node may or may not have it; the hash will tell.
 * `unfunded`: the signer cannot pay the gas; the same bytes can be sent once it is funded.
 */
export type BroadcastResult = 'accepted' | 'unknown' | 'refused' | 'stale-nonce' | 'unfunded'

export interface Fees {
  maxFeePerGas: bigint
  maxPriorityFeePerGas: bigint
}

/** Fees change per block, not per payment: one read serves every send for this long. */
const feeReuseMs = 2_000

interface Lane {
  account: LocalAccount
  /** The chain's pending nonce as last seen: a floor for the ledger's allocation. */
  chainNonce: number | undefined
  /** Serialises signing and broadcasting per signer inside this process, so nonces arrive in order. */
  queue: Promise<unknown>
}

/**
 * The facilitator's hot wallets, used round robin. Nonces come from the ledger (so processes
 * sharing a database never reuse one), each transaction is stored signed before it is broadcast,
 * and fees are read at most every two seconds and never above the configured cap.
 */
export class SignerLanes {
  readonly #client: PublicClient
  readonly #chainId: number
  readonly #network: string
  readonly #ledger: SettlementLedger
  readonly #lanes: Lane[]
  readonly #maxFeePerGasCap: bigint | undefined
  readonly #onStep: ((step: SettlementStep) => void) | undefined
  readonly #clock: FacilitatorClock
  readonly #logger: EvmFacilitatorLogger
  #next = 0
  #fees: { atMs: number; value: Promise<Fees> } | undefined

  constructor(options: {
    client: PublicClient
    chainId: number
    network: string
    ledger: SettlementLedger
    signers: readonly LocalAccount[]
    maxFeePerGasCap?: bigint | undefined
    onStep?: ((step: SettlementStep) => void) | undefined
    clock: FacilitatorClock
    logger: EvmFacilitatorLogger
  }) {
    this.#onStep = options.onStep
    this.#clock = options.clock
    this.#logger = options.logger
    this.#client = options.client
    this.#chainId = options.chainId
    this.#network = options.network
    this.#ledger = options.ledger
    this.#lanes = options.signers.map((account) => ({
      account,
      chainNonce: undefined,
      queue: Promise.resolve(),
    }))
    this.#maxFeePerGasCap = options.maxFeePerGasCap
  }

  get addresses(): Address[] {
    return this.#lanes.map((lane) => lane.account.address)
  }

  /**
   * Signs a call for `paymentIds` with the next signer (or the one named: an `upto` permit names
   * the facilitator that may settle it), stores it, then broadcasts it.
   */
  submit(call: {
    to: Address
    data: Hex
    gas: bigint
    kind: string
    paymentIds: number[]
    signer?: Address | undefined
  }) {
    const lane = call.signer
      ? this.#laneOf(call.signer)
      : this.#lanes[this.#next++ % this.#lanes.length]!
    return this.#inLane(lane, async () => {
      lane.chainNonce ??= await this.#client.getTransactionCount({
        address: lane.account.address,
        blockTag: 'pending',
      })
      const fees = await this.currentFees()
      const transaction = await this.#ledger.submit({
        network: this.#network,
        signer: lane.account.address,
        kind: call.kind,
        paymentIds: call.paymentIds,
        chainNonce: lane.chainNonce,
        sign: (nonce) =>
          this.#sign(
            lane.account,
            { to: call.to, data: call.data, gas: call.gas, nonce, value: 0n },
            fees,
          ),
      })
      lane.chainNonce = transaction.nonce + 1
      this.#onStep?.('after-persist')
      const result = await this.#broadcast(lane, transaction)
      this.#onStep?.('after-broadcast')
      return { transaction, result }
    })
  }

  /** Broadcasts a stored transaction again (after a restart, or when a send was lost). */
  rebroadcast(transaction: LedgerTransaction): Promise<BroadcastResult> {
    return this.#inLane(this.#laneOf(transaction.signer), async (lane) => {
      // A node that holds the transaction (pending or mined) needs no second copy, and sending one
      // races with its mining: the node would answer "nonce too low" for our own transaction.
      const known = await this.#client
        .getTransaction({ hash: transaction.hash as Hex })
        .then(Boolean, () => false)
      if (!known) return this.#broadcast(lane, transaction)
      await this.#ledger.markTransaction(transaction.hash, { state: 'broadcast' })
      return 'accepted'
    })
  }

  /** A replacement with fees raised by at least 12.5% (nodes want 10%), or undefined at the cap. */
  replace(stuck: LedgerTransaction) {
    const lane = this.#laneOf(stuck.signer)
    return this.#inLane(lane, async () => {
      const previous = parseTransaction(stuck.raw as Hex)
      const current = await this.currentFees({ fresh: true })
      const bump = (value: bigint | undefined) => ((value ?? 0n) * 1125n) / 1000n + 1n
      const fees = {
        maxFeePerGas: max(current.maxFeePerGas, bump(previous.maxFeePerGas)),
        maxPriorityFeePerGas: max(
          current.maxPriorityFeePerGas,
          bump(previous.maxPriorityFeePerGas),
        ),
      }
      if (this.#maxFeePerGasCap !== undefined && fees.maxFeePerGas > this.#maxFeePerGasCap)
        return undefined
      const signed = await this.#sign(
        lane.account,
        {
          to: previous.to!,
          data: previous.data ?? '0x',
          gas: previous.gas!,
          nonce: stuck.nonce,
          value: 0n,
        },
        fees,
      )
      const transaction = await this.#ledger.replace(stuck, signed)
      return { transaction, result: await this.#broadcast(lane, transaction) }
    })
  }

  /** Takes the nonce of a refused transaction with a 0-value transfer to the signer itself. */
  fill(refused: LedgerTransaction) {
    const lane = this.#laneOf(refused.signer)
    return this.#inLane(lane, async () => {
      const address = lane.account.address
      const signed = await this.#sign(
        lane.account,
        { to: address, data: '0x', gas: 21_000n, nonce: refused.nonce, value: 0n },
        await this.currentFees(),
      )
      const transaction = await this.#ledger.fillNonce(refused, signed)
      return { transaction, result: await this.#broadcast(lane, transaction) }
    })
  }

  /** Forgets what this process believes of a signer's nonce; the next send reads the chain. */
  resync(signer: string): void {
    this.#laneOf(signer).chainNonce = undefined
  }

  /** The fees of the last read within `feeReuseMs`; a replacement asks `fresh`, since the fees moved. */
  currentFees(options: { fresh?: boolean } = {}): Promise<Fees> {
    const now = this.#clock.nowMs()
    if (!this.#fees || options.fresh || now - this.#fees.atMs > feeReuseMs) {
      const value = this.#client.estimateFeesPerGas().then((fees) => {
        if (this.#maxFeePerGasCap !== undefined && fees.maxFeePerGas > this.#maxFeePerGasCap) {
          throw new TollgateError(
            'SETTLE_UNEXPECTED',
            `fee per gas ${fees.maxFeePerGas} exceeds the cap ${this.#maxFeePerGasCap}`,
          )
        }
        return { maxFeePerGas: fees.maxFeePerGas, maxPriorityFeePerGas: fees.maxPriorityFeePerGas }
      })
      this.#fees = { atMs: now, value }
      value.catch(() => {
        if (this.#fees?.value === value) this.#fees = undefined
      })
    }
    return this.#fees.value
  }

  async #sign(
    account: LocalAccount,
    call: { to: Address; data: Hex; gas: bigint; nonce: number; value: bigint },
    fees: Fees,
  ): Promise<SignedTransaction> {
    const raw = await account.signTransaction({
      type: 'eip1559',
      chainId: this.#chainId,
      ...call,
      ...fees,
    })
    return { hash: keccak256(raw), raw, maxFeePerGas: fees.maxFeePerGas.toString() }
  }

  async #broadcast(lane: Lane, transaction: LedgerTransaction): Promise<BroadcastResult> {
    try {
      await this.#client.sendRawTransaction({ serializedTransaction: transaction.raw as Hex })
      // Off the critical path: "signed" already means "send it again if unsure", which is safe.
      void this.#ledger
        .markTransaction(transaction.hash, { state: 'broadcast' })
        .catch(logFailure(this.#logger, 'recording a broadcast', { tx: transaction.hash }))
      return 'accepted'
    } catch (error) {
      const result = await this.#classify(error, transaction.hash as Hex)
      if (result === 'accepted')
        await this.#ledger.markTransaction(transaction.hash, { state: 'broadcast' })
      if (result !== 'accepted') lane.chainNonce = undefined
      return result
    }
  }

  /**
   * A node's JSON-RPC error is a definite answer. A transport failure is not: the transaction
   * may have gone out, so it is looked up by its hash; when that cannot tell, it is "unknown".
   */
  async #classify(error: unknown, hash: Hex): Promise<BroadcastResult> {
    const text = shortMessage(error).toLowerCase()
    if (text.includes('already known') || text.includes('known transaction')) return 'accepted'
    if (text.includes('nonce too low') || text.includes('nonce has already been used'))
      return 'stale-nonce'
    // Nodes put it in the error's details ("Insufficient funds for gas * price + value").
    const unfunded =
      error instanceof BaseError &&
      (`${error.details} ${error.shortMessage}`.toLowerCase().includes('insufficient funds') ||
        Boolean(error.walk((cause) => cause instanceof InsufficientFundsError)))
    if (unfunded) return 'unfunded'
    const nodeAnswered =
      error instanceof BaseError && Boolean(error.walk((cause) => cause instanceof RpcRequestError))
    if (nodeAnswered) return 'refused'
    try {
      return (await this.#client.getTransaction({ hash })) ? 'accepted' : 'unknown'
    } catch {
      return 'unknown'
    }
  }

  #laneOf(signer: string): Lane {
    const lane = this.#lanes.find(
      (candidate) => candidate.account.address.toLowerCase() === signer.toLowerCase(),
    )
    if (!lane)
      throw new TollgateError('SETTLE_UNEXPECTED', `signer ${signer} is not configured here`)
    return lane
  }

  #inLane<T>(lane: Lane, work: (lane: Lane) => Promise<T>): Promise<T> {
    const result = lane.queue.then(() => work(lane))
    // The queue only orders the lane's work; each failure reaches its own caller through `result`.
    lane.queue = result.catch(() => undefined)
    return result
  }
}

function max(left: bigint, right: bigint): bigint {
  return left > right ? left : right
}
