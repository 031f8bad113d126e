/**
 * A Solana chain on top of litesvm. litesvm has no blocks: it keeps one "latest" blockhash and
 * accepts only that one. This module adds blocks (slot, height, clock) and a 150-block blockhash
 * window, so it runs litesvm with its own blockhash and signature checks off and does both here
 * (signatures in the RPC layer, which knows whether the caller asked for them).
 * @module
 */
import { getTransactionDecoder, address as toAddress, signature as toSignature } from '@solana/kit'
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
  #height = 0n
  #blockTime = 0
  #transactionCount = 0n

  /** `nowMs` is the clock that block times are taken from. */
  constructor(nowMs: () => number = Date.now) {
    this.#nowMs = nowMs
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
    const accounts = transaction.message.staticAccounts
    const read = (address: string): ChainAccount | undefined => this.getAccount(address)
    const preBalances = accounts.map((address) => read(address)?.lamports ?? 0n)
    const preTokenBalances = tokenBalances(accounts, read)
    const outcome = this.svm.sendTransaction(toKitTransaction(transaction))
    const failed = outcome instanceof FailedTransactionMetadata
    const err = failed ? transactionErrorJson(outcome.err()) : null
    const execution = executionOf(failed ? outcome.meta() : outcome, err)
    // litesvm keeps only transactions that landed (fee charged), failed or not.
    const history = this.svm.getTransaction(toSignature(transaction.signature))
    if (history === null) return { landed: false, failure: execution }
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
    return { landed: true, record }
  }

  /** The landed transaction with this signature, if it is among the last 10,000. */
  record(signature: string): TransactionRecord | undefined {
    return this.#records.get(signature)
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
