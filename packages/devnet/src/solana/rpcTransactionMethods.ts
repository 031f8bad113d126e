/**
 * Transaction methods of the Solana devnet RPC: sendTransaction, simulateTransaction,
 * getSignatureStatuses and getTransaction.
 *
 * One deliberate difference from a real cluster: with `skipPreflight`, Solana accepts a
 * transaction that can never land (expired blockhash, bad signature, already processed, fee
 * payer without funds) and silently drops it later. An in-process chain has no "later", so such a
 * transaction is refused at once with the same -32002/-32003 errors preflight would give.
 * @module
 */
import type { ExecutionResult } from './chainHistory.ts'
import { base58Decode, base64Decode } from './encoding.ts'
import { encodeAccount } from './rpcAccountMethods.ts'
import {
  addressItem,
  arrayParam,
  type Config,
  configBoolean,
  configChoice,
  configInteger,
  configParam,
  invalidParams,
  type Params,
  RPC_ERROR,
  RpcError,
  stringParam,
} from './rpcParams.ts'
import { type RpcMethod, withContext } from './rpcServer.ts'
import type { SolanaChain } from './solanaChain.ts'
import { describeTransactionError } from './transactionErrors.ts'
import {
  accountKeys,
  innerInstructionsJson,
  loadedAddresses,
  returnDataJson,
  TRANSACTION_ENCODINGS,
  transactionJson,
  transactionMetaJson,
} from './transactionJson.ts'
import {
  PACKET_DATA_SIZE_BYTES,
  type ParsedTransaction,
  parseTransaction,
  verifySignatures,
} from './wireTransaction.ts'

// Solana's limits on an encoded transaction (MAX_BASE58_SIZE, MAX_BASE64_SIZE).
const ENCODED_BYTES_MAX = { base58: 1683, base64: 1644 } as const

/** Solana's limit on getSignatureStatuses (MAX_GET_SIGNATURE_STATUSES_QUERY_ITEMS). */
const SIGNATURE_STATUSES_MAX = 256

/** The transaction methods, keyed by RPC method name. */
export function transactionMethods(chain: SolanaChain): [string, RpcMethod][] {
  return [
    ['sendTransaction', (params) => sendTransaction(chain, params)],
    ['simulateTransaction', (params) => simulateTransaction(chain, params)],
    ['getSignatureStatuses', (params) => getSignatureStatuses(chain, params)],
    ['getTransaction', (params) => getTransaction(chain, params)],
  ]
}

function sendTransaction(chain: SolanaChain, params: Params): string {
  const config = configParam(params, 1)
  const transaction = transactionParam(params, config)
  if (!verifySignatures(transaction)) throw signatureFailure()
  if (!configBoolean(config, 'skipPreflight', false)) {
    const simulation = chain.simulate(transaction, { replaceBlockhash: false })
    if (simulation.err !== null) throw preflightFailure(simulation)
  }
  const outcome = chain.send(transaction)
  if ('failure' in outcome) throw preflightFailure(outcome.failure)
  return transaction.signature
}

function simulateTransaction(chain: SolanaChain, params: Params): unknown {
  const config = configParam(params, 1)
  const transaction = transactionParam(params, config)
  const sigVerify = configBoolean(config, 'sigVerify', false)
  const replaceBlockhash = configBoolean(config, 'replaceRecentBlockhash', false)
  if (sigVerify && replaceBlockhash) {
    throw invalidParams('sigVerify may not be used with replaceRecentBlockhash')
  }
  const accountsConfig = simulationAccounts(config)
  if (sigVerify && !verifySignatures(transaction)) throw signatureFailure()
  const simulation = chain.simulate(transaction, { replaceBlockhash })
  const keys = accountKeys(transaction.message, loadedAddresses(chain, transaction.message))
  const accounts =
    accountsConfig === null
      ? null
      : accountsConfig.addresses.map((address) => {
          const account = simulation.postAccounts.get(address) ?? chain.getAccount(address)
          return encodeAccount(chain, account, accountsConfig.encoding, {})
        })
  const wantInner = configBoolean(config, 'innerInstructions', false)
  return withContext(chain.slot(), {
    err: simulation.err,
    logs: simulation.logs,
    accounts,
    unitsConsumed: simulation.unitsConsumed,
    returnData: returnDataJson(simulation.returnData),
    innerInstructions: wantInner
      ? innerInstructionsJson(simulation.innerInstructions, 'jsonParsed', keys)
      : null,
    replacementBlockhash: simulation.replacementBlockhash,
  })
}

function simulationAccounts(config: Config) {
  const value = config.accounts
  if (value === undefined || value === null) return null
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw invalidParams('Invalid params: `accounts` must be {addresses, encoding}')
  }
  const accounts = Object.fromEntries(Object.entries(value))
  const addresses = arrayParam([accounts.addresses], 0, 100, addressItem)
  const choices = ['base64', 'jsonParsed'] as const
  return { addresses, encoding: configChoice(accounts, 'encoding', choices, 'base64') }
}

function getSignatureStatuses(chain: SolanaChain, params: Params): unknown {
  const signatures = arrayParam(params, 0, SIGNATURE_STATUSES_MAX, signatureItem)
  // All of history is searched, so `searchTransactionHistory` changes nothing; it is still read
  // to refuse a wrong type.
  configBoolean(configParam(params, 1), 'searchTransactionHistory', false)
  const statuses = signatures.map((signature) => {
    const record = chain.record(signature)
    if (record === undefined) return null
    const confirmationStatus = chain.commitmentOf(record)
    return {
      slot: record.slot,
      // As on Solana: the blocks on top until finalized, then null.
      confirmations: confirmationStatus === 'finalized' ? null : chain.slot() - record.slot,
      err: record.err,
      status: record.err === null ? { Ok: null } : { Err: record.err },
      confirmationStatus,
    }
  })
  return withContext(chain.slot(), statuses)
}

function getTransaction(chain: SolanaChain, params: Params): unknown {
  const signature = signatureItem(stringParam(params, 0))
  // The second param is either a config object or, in the legacy form, the encoding itself.
  const second = params[1]
  const config = typeof second === 'string' ? { encoding: second } : configParam(params, 1)
  const encoding = configChoice(config, 'encoding', TRANSACTION_ENCODINGS, 'json')
  const maxVersion = configInteger(config, 'maxSupportedTransactionVersion')
  if (maxVersion !== undefined && maxVersion !== 0n) {
    throw invalidParams(`Invalid params: unsupported transaction version ${maxVersion}`)
  }
  // As on Solana: `processed` is refused here, and a transaction below the level asked is unknown.
  const commitment = configChoice(
    config,
    'commitment',
    ['confirmed', 'finalized'] as const,
    'finalized',
  )
  const record = chain.record(signature)
  if (record === undefined) return null
  if (commitment === 'finalized' && chain.commitmentOf(record) !== 'finalized') return null
  if (chain.commitmentOf(record) === 'processed') return null
  const version = record.transaction.message.version
  if (version === 0 && maxVersion === undefined) {
    throw new RpcError(
      RPC_ERROR.UNSUPPORTED_TRANSACTION_VERSION,
      'Transaction version (0) is not supported by the requesting client. Please try the request again with the following configuration parameter: "maxSupportedTransactionVersion": 0',
    )
  }
  const loaded = loadedAddresses(chain, record.transaction.message)
  return {
    slot: record.slot,
    blockTime: record.blockTime,
    version: maxVersion === undefined ? undefined : version,
    transaction: transactionJson(record.transaction, encoding, loaded),
    meta: transactionMetaJson(record, encoding, loaded),
  }
}

/** Reads and parses the transaction in params[0], in the config's `encoding` (base58 default). */
function transactionParam(params: Params, config: Config): ParsedTransaction {
  const encoded = stringParam(params, 0)
  const encoding = configChoice(config, 'encoding', ['base58', 'base64'] as const, 'base58')
  const subject = 'solana_transaction::versioned::VersionedTransaction'
  const encodedMax = ENCODED_BYTES_MAX[encoding]
  if (encoded.length > encodedMax) {
    throw invalidParams(
      `${encoding} encoded ${subject} too large: ${encoded.length} bytes (max: encoded/raw ${encodedMax}/${PACKET_DATA_SIZE_BYTES})`,
    )
  }
  let bytes: Uint8Array
  try {
    bytes = encoding === 'base58' ? base58Decode(encoded) : base64Decode(encoded)
  } catch (error) {
    throw invalidParams(`invalid ${encoding} encoding: ${describe(error)}`)
  }
  try {
    return parseTransaction(bytes)
  } catch (error) {
    const message = describe(error)
    if (message.startsWith('invalid transaction')) throw invalidParams(message)
    throw invalidParams(`failed to deserialize ${subject}: ${message}`)
  }
}

function signatureItem(item: unknown): string {
  if (typeof item !== 'string' || item.length > 88) throw invalidParams('Invalid param: Invalid')
  try {
    if (base58Decode(item).length === 64) return item
  } catch {
    // Falls through to the same answer as a wrong length.
  }
  throw invalidParams('Invalid param: Invalid')
}

function signatureFailure(): RpcError {
  return new RpcError(
    RPC_ERROR.TRANSACTION_SIGNATURE_VERIFICATION_FAILURE,
    'Transaction signature verification failure',
  )
}

function preflightFailure(result: ExecutionResult): RpcError {
  const err = result.err ?? 'UnknownError'
  return new RpcError(
    RPC_ERROR.SEND_TRANSACTION_PREFLIGHT_FAILURE,
    `Transaction simulation failed: ${describeTransactionError(err)}`,
    {
      accounts: null,
      err,
      innerInstructions: null,
      logs: result.logs,
      replacementBlockhash: null,
      returnData: returnDataJson(result.returnData),
      unitsConsumed: result.unitsConsumed,
    },
  )
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
