/**
 * A Solana chain on top of litesvm. litesvm has no blocks: it keeps one "latest" blockhash and
 * accepts only that one. This module adds blocks (slot, height, clock) and a 150-block blockhash
 * window, so it runs litesvm with its own blockhash and signature checks off and does both here
 * (signatures in the RPC layer, which knows whether the caller asked for them).
 * @module
 */
import {
  getTransactionDecoder,
  lamports,
  address as toAddress,
  signature as toSignature,
} from '@solana/kit'
import { FailedTransactionMetadata, LiteSVM, type TransactionMetadata } from 'litesvm'
import {
  type BlockhashWindow,
  createBlockhashWindow,
  createTransactionRecords,
  type ExecutionResult,
  type InnerInstructionRecord,
  type TokenBalance,
  TRANSACTION_RECORDS_MAX,
  type TransactionRecord,
  type TransactionRecords,
} from './chainHistory.ts'
import { base58Decode, base58Encode } from './encoding.ts'
import { messageFeeLamports } from './fees.ts'
import { type ChainAccount, decodeMintAccount, decodeTokenAccount } from './tokenAccounts.ts'
import { transactionErrorJson } from './transactionErrors.ts'
import { loadedAddresses } from './transactionJson.ts'
import { createUndoLog } from './undoLog.ts'
import { type ParsedTransaction, parseTransaction, replaceBlockhash } from './wireTransaction.ts'

export type LatestBlockhash = { blockhash: string; lastValidBlockHeight: bigint }

export type SimulationResult = ExecutionResult & {
  /** Accounts as the simulation left them, keyed by address. */
  postAccounts: Map<string, ChainAccount>
  replacementBlockhash: LatestBlockhash | null
}

export type SendOutcome =
  | { landed: true; record: TransactionRecord }
  | { landed: false; failure: ExecutionResult }
  /** Accepted and silently lost, as a cluster loses a transaction sent after its fork was dropped. */
  | { landed: false; lost: true }

/** Solana's commitment levels, from the least to the most final. */
export type Commitment = 'processed' | 'confirmed' | 'finalized'

export type SolanaChainOptions = {
  /**
   * Blocks after which a landed transaction is `finalized`; before, it is `processed` in its own
   * block and `confirmed` after, and can be dropped. 0 finalizes every transaction as it lands.
   * @default 0
   */
  slotsToFinalize?: number
}

/**
 * A fresh VM with the standard builtins, sysvars and SPL programs, at slot 0 and block height 0.
 * Every slot produces a block here, so the slot always equals the block height.
 */
export class SolanaChain {
  readonly svm: LiteSVM
  /** The blockhash of block 0: litesvm's initial blockhash, sha256 of "genesis". */
  readonly genesisHash: string
  readonly #window: BlockhashWindow = createBlockhashWindow()
  readonly #records: TransactionRecords = createTransactionRecords()
  readonly #nowMs: () => number
  readonly #slotsToFinalize: bigint
  readonly #undo = createUndoLog()
  /** Signatures taken back once: litesvm's own history still lists them. */
  readonly #droppedSignatures = new Set<string>()
  /** Dropped transactions whose resends are lost until this slot. */
  readonly #lostUntilSlot = new Map<string, bigint>()
  #height = 0n
  #blockTime = 0
  #transactionCount = 0n

  /** `nowMs` is the clock that block times are taken from. */
  constructor(nowMs: () => number = Date.now, options: SolanaChainOptions = {}) {
    this.#nowMs = nowMs
    this.#slotsToFinalize = BigInt(options.slotsToFinalize ?? 0)
    this.svm = new LiteSVM()
      .withBlockhashCheck(false)
      .withSigverify(false)
      .withTransactionHistory(BigInt(TRANSACTION_RECORDS_MAX))
    this.genesisHash = this.svm.latestBlockhash()
    this.#setClock(0n)
    this.#window.issue(this.genesisHash, 0n)
  }

  slot(): bigint {
    return this.#height
  }

  blockHeight(): bigint {
    return this.#height
  }

  /** Unix seconds of the current block. */
  blockTime(): number {
    return this.#blockTime
  }

  /** How many transactions have landed since genesis, failed ones included. */
  transactionCount(): bigint {
    return this.#transactionCount
  }

  latestBlockhash(): LatestBlockhash {
    const blockhash = this.svm.latestBlockhash()
    const lastValidBlockHeight = this.#window.lastValidBlockHeight(blockhash) ?? this.#height
    return { blockhash, lastValidBlockHeight }
  }

  /** True while `blockhash` was issued at most 150 blocks ago. */
  isBlockhashValid(blockhash: string): boolean {
    const lastValid = this.#window.lastValidBlockHeight(blockhash)
    return lastValid !== undefined && this.#height <= lastValid
  }

  /** Ends the current block: next slot, next blockhash, clock moved to now. */
  produceBlock(): void {
    this.svm.expireBlockhash()
    this.#height += 1n
    this.#setClock(this.#height)
    this.#window.issue(this.svm.latestBlockhash(), this.#height)
    this.#undo.forgetUpTo(this.#height - this.#slotsToFinalize)
  }

  /** How final a landed transaction is now. */
  commitmentOf(record: TransactionRecord): Commitment {
    const age = this.#height - record.slot
    if (age >= this.#slotsToFinalize) return 'finalized'
    return age >= 1n ? 'confirmed' : 'processed'
  }

  /**
   * Takes back a landed transaction that is not finalized, and every transaction that landed
   * after it, as if its fork were abandoned: their accounts return to their state before, and
   * their statuses are forgotten. Sends of it are then lost for `resendsLostForSlots` blocks.
   * Returns the signatures taken back, newest first, or undefined when `signature` is not a
   * landed transaction that can still be dropped.
   */
  drop(signature: string, options: { resendsLostForSlots?: number } = {}): string[] | undefined {
    const record = this.#records.get(signature)
    if (record === undefined || this.commitmentOf(record) === 'finalized') return undefined
    const taken = this.#undo.takeFrom(signature)
    if (taken === undefined) return undefined
    for (const entry of taken) {
      for (const [address, account] of entry.before) this.#restore(address, account)
      this.#records.delete(entry.signature)
      this.#droppedSignatures.add(entry.signature)
      this.#transactionCount -= 1n
    }
    const lostSlots = BigInt(options.resendsLostForSlots ?? 0)
    if (lostSlots > 0n) this.#lostUntilSlot.set(signature, this.#height + lostSlots)
    return taken.map((entry) => entry.signature)
  }

  getAccount(address: string): ChainAccount | undefined {
    const account = this.svm.getAccount(toAddress(address))
    if (!account.exists) return undefined
    return {
      lamports: account.lamports,
      owner: account.programAddress,
      executable: account.executable,
      data: Uint8Array.from(account.data),
    }
  }

  /** Runs `transaction` without committing it. Signatures are not checked here. */
  simulate(
    transaction: ParsedTransaction,
    options: { replaceBlockhash: boolean },
  ): SimulationResult {
    let target = transaction
    let replacementBlockhash: LatestBlockhash | null = null
    if (options.replaceBlockhash) {
      replacementBlockhash = this.latestBlockhash()
      const blockhashBytes = base58Decode(replacementBlockhash.blockhash)
      target = parseTransaction(replaceBlockhash(transaction, blockhashBytes))
    } else if (!this.isBlockhashValid(transaction.message.recentBlockhash)) {
      return { ...failure('BlockhashNotFound'), postAccounts: new Map(), replacementBlockhash }
    }
    if (this.#records.has(transaction)) {
      return { ...failure('AlreadyProcessed'), postAccounts: new Map(), replacementBlockhash }
    }
    const outcome = this.svm.simulateTransaction(toKitTransaction(target))
    if (outcome instanceof FailedTransactionMetadata) {
      const err = transactionErrorJson(outcome.err())
      return { ...executionOf(outcome.meta(), err), postAccounts: new Map(), replacementBlockhash }
    }
    const postAccounts = new Map<string, ChainAccount>()
    for (const account of outcome.postAccounts()) {
      postAccounts.set(account.address, {
        lamports: account.lamports,
        owner: account.programAddress,
        executable: account.executable,
        data: Uint8Array.from(account.data),
      })
    }
    return { ...executionOf(outcome.meta(), null), postAccounts, replacementBlockhash }
  }

  /**
   * Executes `transaction` in the current block. It lands (and is recorded, with its error if it
   * failed) when its fee could be charged; otherwise nothing changes and the failure is returned.
   * Signatures are not checked here.
   */
  send(transaction: ParsedTransaction): SendOutcome {
    // Solana checks the blockhash first, then the status cache. litesvm's own duplicate check is
    // skipped when its signature verification is off, so this one is the only one.
    if (!this.isBlockhashValid(transaction.message.recentBlockhash)) {
      return { landed: false, failure: failure('BlockhashNotFound') }
    }
    if (this.#records.has(transaction)) {
      return { landed: false, failure: failure('AlreadyProcessed') }
    }
    const lostUntil = this.#lostUntilSlot.get(transaction.signature)
    if (lostUntil !== undefined && this.#height < lostUntil) return { landed: false, lost: true }
    const accounts = transaction.message.staticAccounts
    const read = (address: string): ChainAccount | undefined => this.getAccount(address)
    const before = this.#slotsToFinalize > 0n ? this.#snapshot(transaction) : undefined
    const preBalances = accounts.map((address) => read(address)?.lamports ?? 0n)
    const preTokenBalances = tokenBalances(accounts, read)
    const outcome = this.svm.sendTransaction(toKitTransaction(transaction))
    const failed = outcome instanceof FailedTransactionMetadata
    const err = failed ? transactionErrorJson(outcome.err()) : null
    const execution = executionOf(failed ? outcome.meta() : outcome, err)
    // litesvm keeps only transactions that landed (fee charged), failed or not; it still lists
    // one that was dropped, so for those a charged fee says whether the resend landed.
    const landed = this.#droppedSignatures.has(transaction.signature)
      ? !failed || (read(accounts[0] ?? '')?.lamports ?? 0n) < (preBalances[0] ?? 0n)
      : this.svm.getTransaction(toSignature(transaction.signature)) !== null
    if (!landed) return { landed: false, failure: execution }
    const record: TransactionRecord = {
      ...execution,
      signature: transaction.signature,
      slot: this.#height,
      blockTime: this.#blockTime,
      transaction,
      fee: messageFeeLamports(transaction.message),
      preBalances,
      postBalances: accounts.map((address) => read(address)?.lamports ?? 0n),
      preTokenBalances,
      postTokenBalances: tokenBalances(accounts, read),
    }
    this.#records.add(record)
    this.#transactionCount += 1n
    if (before) this.#undo.add({ signature: record.signature, slot: record.slot, before })
    return { landed: true, record }
  }

  /** The landed transaction with this signature, if it is among the last 10,000. */
  record(signature: string): TransactionRecord | undefined {
    return this.#records.get(signature)
  }

  /** Every account `transaction` references, as it is now. */
  #snapshot(transaction: ParsedTransaction): Map<string, ChainAccount | undefined> {
    const loaded = loadedAddresses(this, transaction.message)
    const addresses = [...transaction.message.staticAccounts, ...loaded.writable]
    return new Map(addresses.map((address) => [address, this.getAccount(address)]))
  }

  #restore(at: string, account: ChainAccount | undefined): void {
    // An account without lamports does not exist, as on Solana.
    const data = account?.data ?? new Uint8Array(0)
    this.svm.setAccount({
      address: toAddress(at),
      lamports: lamports(account?.lamports ?? 0n),
      programAddress: toAddress(account?.owner ?? SYSTEM_PROGRAM),
      executable: account?.executable ?? false,
      data,
      space: BigInt(data.length),
    })
  }

  #setClock(slot: bigint): void {
    this.#blockTime = Math.floor(this.#nowMs() / 1000)
    const clock = this.svm.getClock()
    clock.slot = slot
    clock.epoch = slot / this.svm.getEpochSchedule().slotsPerEpoch
    clock.unixTimestamp = BigInt(this.#blockTime)
    this.svm.setClock(clock)
  }
}

const SYSTEM_PROGRAM = '11111111111111111111111111111111'

/** The result of a transaction refused before it ran. */
function failure(err: 'BlockhashNotFound' | 'AlreadyProcessed'): ExecutionResult {
  return { err, logs: [], unitsConsumed: 0n, returnData: null, innerInstructions: [] }
}

function toKitTransaction(transaction: ParsedTransaction) {
  return getTransactionDecoder().decode(transaction.bytes)
}

function executionOf(meta: TransactionMetadata, err: ExecutionResult['err']): ExecutionResult {
  const returned = meta.returnData()
  const returnData =
    returned.data().length === 0
      ? null
      : { programId: base58Encode(returned.programId()), data: Uint8Array.from(returned.data()) }
  const innerInstructions: InnerInstructionRecord[] = []
  meta.innerInstructions().forEach((calls, index) => {
    if (calls.length === 0) return
    const instructions = calls.map((call) => {
      const compiled = call.instruction()
      return {
        programIdIndex: compiled.programIdIndex(),
        accounts: Array.from(compiled.accounts()),
        data: Uint8Array.from(compiled.data()),
        stackHeight: call.stackHeight(),
      }
    })
    innerInstructions.push({ index, instructions })
  })
  return {
    err,
    logs: meta.logs(),
    unitsConsumed: meta.computeUnitsConsumed(),
    returnData,
    innerInstructions,
  }
}

function tokenBalances(
  accounts: string[],
  getAccount: (address: string) => ChainAccount | undefined,
): TokenBalance[] {
  const balances: TokenBalance[] = []
  accounts.forEach((address, accountIndex) => {
    const token = decodeTokenAccount(getAccount(address))
    if (token === undefined) return
    const mint = decodeMintAccount(getAccount(token.mint))
    if (mint === undefined) return
    balances.push({
      accountIndex,
      mint: token.mint,
      owner: token.owner,
      amount: token.amount,
      decimals: mint.decimals,
    })
  })
  return balances
}
