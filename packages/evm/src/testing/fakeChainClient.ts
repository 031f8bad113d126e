import {
  type Address,
  encodeAbiParameters,
  encodeEventTopics,
  type Hex,
  keccak256,
  type Log,
  type PublicClient,
  parseTransaction,
  recoverTransactionAddress,
  TransactionNotFoundError,
  type TransactionReceipt,
  TransactionReceiptNotFoundError,
} from 'viem'
import { eip3009Abi } from '../abi.ts'
import type { Authorization } from '../payload.ts'

/** A transaction the fake chain holds: in its pool, or mined in a block. */
interface Held {
  hash: Hex
  raw: Hex
  from: Address
  nonce: number
  receipt?: TransactionReceipt
}

/**
 * The part of a viem public client the facilitator's recovery and lanes use, over a chain kept in
 * memory: a pool, blocks mined on demand, EIP-3009 authorization state and its logs. Faults are
 * switched on per method. Transactions are real signed bytes, decoded like a node would.
 */
export class FakeChainClient {
  readonly pool = new Map<string, Held>()
  readonly mined = new Map<string, Held>()
  /** Every raw transaction sent, in order. */
  readonly sent: Hex[] = []
  /** Nonces used per sender by transactions this chain did not see being sent. */
  readonly externalNonces = new Map<string, number>()
  readonly usedAuthorizations = new Map<string, { transaction: Hex; log: Log }>()
  fees = { maxFeePerGas: 2_000_000_000n, maxPriorityFeePerGas: 1_000_000_000n }
  /** Methods that throw a transport error while named here. */
  readonly failing = new Set<
    'getTransactionReceipt' | 'estimateFeesPerGas' | 'sendRawTransaction' | 'getTransactionCount'
  >()
  blockNumber = 100n

  /** This object typed as the client the facilitator takes. */
  get client(): PublicClient {
    return this as unknown as PublicClient
  }

  async getTransactionReceipt({ hash }: { hash: Hex }): Promise<TransactionReceipt> {
    this.#fault('getTransactionReceipt')
    const receipt = this.mined.get(hash.toLowerCase())?.receipt
    if (!receipt) throw new TransactionReceiptNotFoundError({ hash })
    return receipt
  }

  async getTransaction({ hash }: { hash: Hex }) {
    const held = this.pool.get(hash.toLowerCase()) ?? this.mined.get(hash.toLowerCase())
    if (!held) throw new TransactionNotFoundError({ hash })
    return { hash: held.hash, nonce: held.nonce, from: held.from }
  }

  async getTransactionCount({
    address,
    blockTag,
  }: {
    address: Address
    blockTag: 'latest' | 'pending'
  }): Promise<number> {
    this.#fault('getTransactionCount')
    const mined = [...this.mined.values()].filter((held) => sameAddress(held.from, address))
    const latest = Math.max(
      this.externalNonces.get(address.toLowerCase()) ?? 0,
      ...mined.map((held) => held.nonce + 1),
    )
    if (blockTag === 'latest') return latest
    const pooled = [...this.pool.values()].filter((held) => sameAddress(held.from, address))
    return Math.max(latest, ...pooled.map((held) => held.nonce + 1))
  }

  async sendRawTransaction({ serializedTransaction }: { serializedTransaction: Hex }) {
    this.#fault('sendRawTransaction')
    this.sent.push(serializedTransaction)
    const hash = keccak256(serializedTransaction)
    const parsed = parseTransaction(serializedTransaction)
    const from = await recoverTransactionAddress({
      serializedTransaction: serializedTransaction as Parameters<
        typeof recoverTransactionAddress
      >[0]['serializedTransaction'],
    })
    const nonce = parsed.nonce ?? 0
    if (nonce < (await this.getTransactionCount({ address: from, blockTag: 'latest' })))
      throw new Error('nonce too low')
    if (!this.mined.has(hash))
      this.pool.set(hash, { hash, raw: serializedTransaction, from, nonce })
    return hash
  }

  async getBalance(_: { address: Address }): Promise<bigint> {
    return 10n ** 18n
  }

  async estimateFeesPerGas() {
    this.#fault('estimateFeesPerGas')
    return { ...this.fees }
  }

  async getBlock({ blockNumber }: { blockNumber?: bigint; blockTag?: string }) {
    const number = blockNumber ?? this.blockNumber
    const parentHash = number === 0n ? `0x${'00'.repeat(32)}` : blockHash(number - 1n)
    return { number, hash: blockHash(number), parentHash }
  }

  async readContract({ functionName, args }: { functionName: string; args: readonly unknown[] }) {
    if (functionName !== 'authorizationState') throw new Error(`not faked: ${functionName}`)
    const [authorizer, nonce] = args as [Address, Hex]
    return this.usedAuthorizations.has(authorizationKey(authorizer, nonce))
  }

  async getLogs({ args }: { args: { authorizer: Address; nonce: Hex } }): Promise<Log[]> {
    const use = this.usedAuthorizations.get(authorizationKey(args.authorizer, args.nonce))
    return use ? [use.log] : []
  }

  /**
   * Mines a pooled transaction in a new block; `pays` are the authorizations it used (their
   * AuthorizationUsed and Transfer logs go into the receipt). Others of its sender and nonce leave
   * the pool.
   */
  mine(hash: Hex, asset: Address, pays: readonly Authorization[]): TransactionReceipt {
    const held = this.pool.get(hash.toLowerCase())
    if (!held) throw new Error(`${hash} is not in the pool`)
    this.blockNumber += 1n
    const logs = pays.flatMap((authorization) =>
      this.#authorizationLogs(asset, authorization, hash),
    )
    const receipt = {
      transactionHash: hash,
      status: 'success',
      blockNumber: this.blockNumber,
      blockHash: blockHash(this.blockNumber),
      gasUsed: 50_000n,
      logs,
    } as unknown as TransactionReceipt
    for (const [key, other] of this.pool)
      if (sameAddress(other.from, held.from) && other.nonce === held.nonce) this.pool.delete(key)
    this.mined.set(hash.toLowerCase(), { ...held, receipt })
    return receipt
  }

  /** Someone else's transaction uses `authorization` and the sender's nonce `nonce`. */
  useElsewhere(asset: Address, authorization: Authorization, sender: Address, nonce: number): Hex {
    const hash = keccak256(`0x${authorization.nonce.slice(2)}ee`)
    this.blockNumber += 1n
    this.#authorizationLogs(asset, authorization, hash)
    const key = sender.toLowerCase()
    this.externalNonces.set(key, Math.max(this.externalNonces.get(key) ?? 0, nonce + 1))
    for (const [poolKey, other] of this.pool)
      if (sameAddress(other.from, sender) && other.nonce === nonce) this.pool.delete(poolKey)
    return hash
  }

  #authorizationLogs(asset: Address, authorization: Authorization, transaction: Hex): Log[] {
    const common = {
      address: asset,
      blockNumber: this.blockNumber,
      blockHash: blockHash(this.blockNumber),
      transactionHash: transaction,
      transactionIndex: 0,
      logIndex: 0,
      removed: false,
    }
    const used = {
      ...common,
      topics: encodeEventTopics({
        abi: eip3009Abi,
        eventName: 'AuthorizationUsed',
        args: { authorizer: authorization.from as Address, nonce: authorization.nonce as Hex },
      }),
      data: '0x',
    } as unknown as Log
    const transfer = {
      ...common,
      logIndex: 1,
      topics: encodeEventTopics({
        abi: eip3009Abi,
        eventName: 'Transfer',
        args: { from: authorization.from as Address, to: authorization.to as Address },
      }),
      data: encodeAbiParameters([{ type: 'uint256' }], [BigInt(authorization.value)]),
    } as unknown as Log
    this.usedAuthorizations.set(authorizationKey(authorization.from, authorization.nonce), {
      transaction,
      log: used,
    })
    return [used, transfer]
  }

  #fault(method: FakeChainClient['failing'] extends Set<infer M> ? M : never): void {
    if (this.failing.has(method)) throw new Error(`fetch failed (${method} switched off)`)
  }
}

function blockHash(number: bigint): Hex {
  return keccak256(encodeAbiParameters([{ type: 'uint256' }], [number]))
}

function authorizationKey(authorizer: string, nonce: string): string {
  return `${authorizer}|${nonce}`.toLowerCase()
}

function sameAddress(left: string, right: string): boolean {
  return left.toLowerCase() === right.toLowerCase()
}
