import type { LedgerTransaction, SettlementLedger, SignedTransaction } from '@tollgate/core'
import { TollgateError } from '@tollgate/core'
import {
  type Address,
  BaseError,
  bytesToHex,
  type Hex,
  InsufficientFundsError,
  type LocalAccount,
  type PublicClient,
  parseTransaction,
  RpcRequestError,
  type TransactionReceipt,
} from 'viem'
import { sendRawTransactionSync } from 'viem/actions'
import { keccakBytes } from '../batch-settlement/keccak.ts'
import type { FacilitatorClock } from './clock.ts'
import { type EvmFacilitatorLogger, logFailure } from './failureLog.ts'
import { signSettlement } from './nativeSigner.ts'
import type { SettlementStep } from './options.ts'
import { answeredByNode, noSuchMethod, rpcCode } from './rpcErrors.ts'
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
  readonly #syncSendWaitMs: number
  /** Until the node says it has no `eth_sendRawTransactionSync`. */
  #sendsSync = true
  #next = 0
  #fees: { atMs: number; value: Promise<Fees> } | undefined

  constructor(options: {
    client: PublicClient
    chainId: number
    network: string
    ledger: SettlementLedger
    signers: readonly LocalAccount[]
    maxFeePerGasCap?: bigint | undefined
    /** `syncSendWaitMs` of the facilitator's options; 0 (the default here) sends the old way. */
    syncSendWaitMs?: number | undefined
    onStep?: ((step: SettlementStep) => void) | undefined
    clock: FacilitatorClock
    logger: EvmFacilitatorLogger
  }) {
    this.#onStep = options.onStep
    this.#syncSendWaitMs = options.syncSendWaitMs ?? 0
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
      const sent = await this.#send(lane, transaction)
      this.#onStep?.('after-broadcast')
      return { transaction, ...sent }
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
    const raw = await signSettlement(account, {
      type: 'eip1559',
      chainId: this.#chainId,
      ...call,
      ...fees,
    })
    const hash = bytesToHex(keccakBytes(Buffer.from(raw.slice(2), 'hex')))
    return { hash, raw, maxFeePerGas: fees.maxFeePerGas.toString() }
  }

  /**
   * Sends a new transaction, waiting up to `syncSendWaitMs` for its receipt in the same call. A
   * node's error is read as a plain send's would be (a node without the method is asked the old
   * way, now and from then on). No answer in time, or none at all, leaves it open whether the
   * node has the transaction, or has it still on the way: it is looked up by its hash and, when
   * not found, left `unknown` (recovery sends the same bytes again later) rather than sent again
   * now, which could answer "nonce too low" for this very transaction once the first copy lands.
   */
  async #send(
    lane: Lane,
    transaction: LedgerTransaction,
  ): Promise<{ result: BroadcastResult; receipt?: TransactionReceipt }> {
    if (this.#syncSendWaitMs === 0 || !this.#sendsSync)
      return { result: await this.#broadcast(lane, transaction) }
    const sending = sendRawTransactionSync(this.#client, {
      serializedTransaction: transaction.raw as Hex,
      throwOnReceiptRevert: false,
    })
    sending.catch(() => undefined)
    let expire: ((value: undefined) => void) | undefined
    const expired = new Promise<undefined>((resolve) => {
      expire = resolve
    })
    const timer = setTimeout(() => expire?.(undefined), this.#syncSendWaitMs)
    let receipt: TransactionReceipt | undefined
    try {
      receipt = await Promise.race([sending, expired])
    } catch (error) {
      if (noSuchMethod(error)) {
        this.#sendsSync = false
        return { result: await this.#broadcast(lane, transaction) }
      }
      if (!answeredByNode(error)) return { result: await this.#lookUp(lane, transaction) }
      return { result: await this.#afterRefusal(lane, transaction, error) }
    } finally {
      clearTimeout(timer)
    }
    if (!receipt) return { result: await this.#lookUp(lane, transaction) }
    // Marked although the receipt's record follows: a process killed in between leaves it
    // `broadcast`, which recovery waits on, not `signed`, which it sends again (and, when the
    // node's lookup fails under load, replaces).
    this.#markBroadcast(transaction)
    return { result: 'accepted', receipt }
  }

  /** After a send with no answer: `accepted` if the node holds the transaction, else `unknown`. */
  async #lookUp(lane: Lane, transaction: LedgerTransaction): Promise<BroadcastResult> {
    const known = await this.#client
      .getTransaction({ hash: transaction.hash as Hex })
      .then(Boolean, () => false)
    if (!known) {
      lane.chainNonce = undefined
      return 'unknown'
    }
    this.#markBroadcast(transaction)
    return 'accepted'
  }

  /** Off the critical path: "signed" already means "send it again if unsure", which is safe. */
  #markBroadcast(transaction: LedgerTransaction): void {
    void this.#ledger
      .markTransaction(transaction.hash, { state: 'broadcast' })
      .catch(logFailure(this.#logger, 'recording a broadcast', { tx: transaction.hash }))
  }

  async #broadcast(lane: Lane, transaction: LedgerTransaction): Promise<BroadcastResult> {
    try {
      await this.#client.sendRawTransaction({ serializedTransaction: transaction.raw as Hex })
      this.#markBroadcast(transaction)
      return 'accepted'
    } catch (error) {
      return this.#afterRefusal(lane, transaction, error)
    }
  }

  /** What a failed send means for the transaction, recorded. */
  async #afterRefusal(
    lane: Lane,
    transaction: LedgerTransaction,
    error: unknown,
  ): Promise<BroadcastResult> {
    const result = await this.#classify(error, transaction.hash as Hex)
    if (result === 'accepted')
      await this.#ledger.markTransaction(transaction.hash, { state: 'broadcast' })
    if (result !== 'accepted') lane.chainNonce = undefined
    return result
  }

  /**
   * A node's JSON-RPC error is a definite answer. A transport failure is not: the transaction
   * may have gone out, so it is looked up by its hash; when that cannot tell, it is "unknown".
   */
  async #classify(error: unknown, hash: Hex): Promise<BroadcastResult> {
    const text = shortMessage(error).toLowerCase()
    if (text.includes('already known') || text.includes('known transaction')) return 'accepted'
    // EIP-7966: in the node's pool, not yet in a block within the wait.
    if (text.includes('added to the mempool') || rpcCode(error) === 4) return 'accepted'
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
