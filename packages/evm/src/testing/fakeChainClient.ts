import {
  type Address,
  createPublicClient,
  custom,
  decodeFunctionData,
  encodeAbiParameters,
  encodeEventTopics,
  encodeFunctionResult,
  type Hex,
  keccak256,
  type PublicClient,
  parseTransaction,
  recoverTransactionAddress,
  type TransactionSerialized,
  toHex,
} from 'viem'
import { eip3009Abi } from '../abi.ts'
import type { Authorization } from '../exact/eip3009/payload.ts'

/** A log as a node sends it over JSON-RPC. */
interface RpcLog {
  address: Address
  topics: Hex[]
  data: Hex
  blockNumber: Hex
  blockHash: Hex
  transactionHash: Hex
  transactionIndex: Hex
  logIndex: Hex
  removed: boolean
}

/** A transaction the fake chain holds: in its pool, or mined in a block. */
interface Held {
  hash: Hex
  raw: Hex
  from: Address
  nonce: number
  receipt?: Record<string, unknown>
}

/** A node's JSON-RPC error: viem maps it as it would a real node's. */
class NodeError extends Error {
  readonly code: number = -32000
}

class NoSuchMethodError extends NodeError {
  override readonly code = -32601
}

/**
 * A chain kept in memory behind a real viem public client (a custom transport): a pool, blocks
 * mined on demand, EIP-3009 authorization state and its logs. The facilitator's code talks to it
 * through viem exactly as to a node, errors and formatting included. Methods fail on demand.
 */
export class FakeChainClient {
  readonly pool = new Map<string, Held>()
  readonly mined = new Map<string, Held>()
  /** Every raw transaction sent, in order. */
  readonly sent: Hex[] = []
  /** Nonces used per sender by transactions this chain did not see being sent. */
  readonly externalNonces = new Map<string, number>()
  readonly usedAuthorizations = new Map<string, RpcLog>()
  /** Fees a test can sign with. */
  readonly fees = { maxFeePerGas: 2_000_000_000n, maxPriorityFeePerGas: 1_000_000_000n }
  /** JSON-RPC methods that fail as a transport would while named here. */
  readonly failing = new Set<string>()
  /** Transactions whose receipt the node fails to return. */
  readonly unreadableReceipts = new Set<string>()
  blockNumber = 100n
  /** How many times each JSON-RPC method was called. */
  readonly calls = new Map<string, number>()
  readonly client: PublicClient = createPublicClient({
    transport: custom({ request: (call) => this.#request(call) }, { retryCount: 0 }),
  })

  async #request({ method, params }: { method: string; params?: unknown }): Promise<unknown> {
    this.calls.set(method, (this.calls.get(method) ?? 0) + 1)
    if (this.failing.has(method)) throw new Error(`fetch failed (${method} switched off)`)
    const args = (params ?? []) as unknown[]
    switch (method) {
      case 'eth_chainId':
        return toHex(84532)
      case 'eth_getTransactionReceipt': {
        const hash = String(args[0]).toLowerCase()
        if (this.unreadableReceipts.has(hash)) throw new Error('fetch failed (one receipt)')
        return this.mined.get(hash)?.receipt ?? null
      }
      case 'eth_getTransactionByHash': {
        const hash = String(args[0]).toLowerCase()
        const held = this.pool.get(hash) ?? this.mined.get(hash)
        return held ? rpcTransaction(held) : null
      }
      case 'eth_getTransactionCount':
        return toHex(this.#nonceOf(args[0] as Address, args[1] === 'pending'))
      case 'eth_sendRawTransaction':
        return this.#send(args[0] as Hex)
      case 'eth_sendRawTransactionSync':
        // As a node without EIP-7966 answers: the facilitator then sends the old way.
        throw new NoSuchMethodError(`the method ${method} does not exist/is not available`)
      case 'eth_maxPriorityFeePerGas':
        return toHex(1_000_000_000n)
      case 'eth_getBlockByNumber': {
        const tag = args[0]
        return rpcBlock(
          tag === 'latest' || tag === 'pending' ? this.blockNumber : BigInt(String(tag)),
        )
      }
      case 'eth_getBalance':
        return toHex(10n ** 18n)
      case 'eth_call': {
        const { data } = args[0] as { data: Hex }
        const call = decodeFunctionData({ abi: eip3009Abi, data })
        if (call.functionName !== 'authorizationState') throw new NodeError('execution reverted')
        const [authorizer, nonce] = call.args
        return encodeFunctionResult({
          abi: eip3009Abi,
          functionName: 'authorizationState',
          result: this.usedAuthorizations.has(authorizationKey(authorizer, nonce)),
        })
      }
      case 'eth_getLogs': {
        const { topics } = args[0] as { topics: (Hex | null)[] }
        return [...this.usedAuthorizations.values()].filter((log) =>
          topics.every((topic, index) => topic === null || log.topics[index] === topic),
        )
      }
      default:
        throw new NodeError(`the fake chain does not answer ${method}`)
    }
  }

  #nonceOf(address: Address, pending: boolean): number {
    const of = (held: Iterable<Held>) =>
      [...held].filter((entry) => sameAddress(entry.from, address)).map((entry) => entry.nonce + 1)
    const latest = Math.max(
      this.externalNonces.get(address.toLowerCase()) ?? 0,
      ...of(this.mined.values()),
    )
    return pending ? Math.max(latest, ...of(this.pool.values())) : latest
  }

  async #send(raw: Hex): Promise<Hex> {
    this.sent.push(raw)
    const hash = keccak256(raw)
    const nonce = parseTransaction(raw).nonce ?? 0
    const from = await recoverTransactionAddress({
      serializedTransaction: raw as TransactionSerialized,
    })
    if (nonce < this.#nonceOf(from, false)) throw new NodeError('nonce too low')
    if (!this.mined.has(hash)) this.pool.set(hash, { hash, raw, from, nonce })
    return hash
  }

  /**
   * Mines a pooled transaction in a new block; `pays` are the authorizations it used (their
   * AuthorizationUsed and Transfer logs go into the receipt). Others of its sender and nonce leave
   * the pool.
   */
  mine(hash: Hex, asset: Address, pays: readonly Authorization[]): void {
    const held = this.pool.get(hash.toLowerCase())
    if (!held) throw new Error(`${hash} is not in the pool`)
    this.blockNumber += 1n
    const logs = pays.flatMap((authorization) =>
      this.#authorizationLogs(asset, authorization, hash),
    )
    const receipt = {
      transactionHash: hash,
      transactionIndex: '0x0',
      blockNumber: toHex(this.blockNumber),
      blockHash: blockHash(this.blockNumber),
      from: held.from,
      to: asset,
      status: '0x1',
      type: '0x2',
      gasUsed: toHex(50_000),
      cumulativeGasUsed: toHex(50_000),
      effectiveGasPrice: toHex(1_000_000_000),
      contractAddress: null,
      logsBloom: `0x${'00'.repeat(256)}`,
      logs,
    }
    for (const [key, other] of this.pool)
      if (sameAddress(other.from, held.from) && other.nonce === held.nonce) this.pool.delete(key)
    this.mined.set(hash.toLowerCase(), { ...held, receipt })
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

  #authorizationLogs(asset: Address, authorization: Authorization, transaction: Hex): RpcLog[] {
    const common = {
      address: asset,
      blockNumber: toHex(this.blockNumber),
      blockHash: blockHash(this.blockNumber),
      transactionHash: transaction,
      transactionIndex: '0x0' as Hex,
      removed: false,
    }
    const used: RpcLog = {
      ...common,
      logIndex: '0x0',
      topics: encodeEventTopics({
        abi: eip3009Abi,
        eventName: 'AuthorizationUsed',
        args: { authorizer: authorization.from as Address, nonce: authorization.nonce as Hex },
      }) as Hex[],
      data: '0x',
    }
    const transfer: RpcLog = {
      ...common,
      logIndex: '0x1',
      topics: encodeEventTopics({
        abi: eip3009Abi,
        eventName: 'Transfer',
        args: { from: authorization.from as Address, to: authorization.to as Address },
      }) as Hex[],
      data: encodeAbiParameters([{ type: 'uint256' }], [BigInt(authorization.value)]),
    }
    this.usedAuthorizations.set(authorizationKey(authorization.from, authorization.nonce), used)
    return [used, transfer]
  }
}

function rpcTransaction(held: Held): Record<string, unknown> {
  const parsed = parseTransaction(held.raw)
  return {
    hash: held.hash,
    from: held.from,
    to: parsed.to ?? null,
    nonce: toHex(held.nonce),
    input: parsed.data ?? '0x',
    value: '0x0',
    gas: toHex(parsed.gas ?? 0n),
    maxFeePerGas: toHex(parsed.maxFeePerGas ?? 0n),
    maxPriorityFeePerGas: toHex(parsed.maxPriorityFeePerGas ?? 0n),
    type: '0x2',
    chainId: toHex(84532),
    blockHash: held.receipt ? held.receipt.blockHash : null,
    blockNumber: held.receipt ? held.receipt.blockNumber : null,
    transactionIndex: held.receipt ? '0x0' : null,
  }
}

function rpcBlock(number: bigint): Record<string, unknown> {
  return {
    number: toHex(number),
    hash: blockHash(number),
    parentHash: number === 0n ? `0x${'00'.repeat(32)}` : blockHash(number - 1n),
    timestamp: toHex(1_700_000_000n + number),
    baseFeePerGas: toHex(1_000_000_000n),
    gasLimit: toHex(30_000_000n),
    gasUsed: '0x0',
    transactions: [],
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
