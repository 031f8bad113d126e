/**
 * Account reads of the Solana devnet RPC: getAccountInfo, getMultipleAccounts, getBalance,
 * getTokenAccountBalance, getTokenAccountsByOwner and getMinimumBalanceForRentExemption.
 * @module
 */
import { TOKEN_PROGRAM_ADDRESS } from '@solana-program/token'
import { base58Encode, base64Encode } from './encoding.ts'
import {
  addressItem,
  addressParam,
  arrayParam,
  type Config,
  configChoice,
  configParam,
  integerParam,
  invalidParams,
  type Params,
  RPC_ERROR,
  RpcError,
  requiredParam,
} from './rpcParams.ts'
import { type RpcMethod, withContext } from './rpcServer.ts'
import type { SolanaChain } from './solanaChain.ts'
import {
  type ChainAccount,
  decodeMintAccount,
  decodeTokenAccount,
  parseTokenAccountJson,
  uiTokenAmount,
} from './tokenAccounts.ts'

/** Every account that is rent-exempt reports this rent epoch (u64::MAX) on Solana. */
export const RENT_EXEMPT_RENT_EPOCH = 18_446_744_073_709_551_615n

/** Solana's limit on getMultipleAccounts (MAX_MULTIPLE_ACCOUNTS). */
const MULTIPLE_ACCOUNTS_MAX = 100

/** Base58 account data is refused above this size, as on Solana (MAX_BASE58_BYTES). */
const BASE58_DATA_BYTES_MAX = 128

const ACCOUNT_ENCODINGS = ['binary', 'base58', 'base64', 'base64+zstd', 'jsonParsed'] as const
type AccountEncoding = (typeof ACCOUNT_ENCODINGS)[number]

/** The account-reading methods, keyed by RPC method name. */
export function accountMethods(chain: SolanaChain): [string, RpcMethod][] {
  const encode = (address: string, config: Config, fallback: AccountEncoding) =>
    encodeAccount(chain, chain.getAccount(address), accountEncoding(config, fallback), config)
  return [
    [
      'getAccountInfo',
      (params) => {
        const address = addressParam(params, 0)
        return withContext(chain.slot(), encode(address, configParam(params, 1), 'binary'))
      },
    ],
    [
      'getMultipleAccounts',
      (params) => {
        const addresses = arrayParam(params, 0, MULTIPLE_ACCOUNTS_MAX, addressItem)
        const config = configParam(params, 1)
        return withContext(
          chain.slot(),
          addresses.map((address) => encode(address, config, 'base64')),
        )
      },
    ],
    [
      'getBalance',
      (params) =>
        withContext(chain.slot(), chain.getAccount(addressParam(params, 0))?.lamports ?? 0n),
    ],
    ['getTokenAccountBalance', (params) => getTokenAccountBalance(chain, params)],
    ['getTokenAccountsByOwner', (params) => getTokenAccountsByOwner(chain, params)],
    [
      'getMinimumBalanceForRentExemption',
      (params) => chain.svm.minimumBalanceForRentExemption(integerParam(params, 0)),
    ],
  ]
}

function getTokenAccountBalance(chain: SolanaChain, params: Params): unknown {
  const account = chain.getAccount(addressParam(params, 0))
  if (account === undefined) throw invalidParams('Invalid param: could not find account')
  const token = decodeTokenAccount(account)
  const mint = token === undefined ? undefined : decodeMintAccount(chain.getAccount(token.mint))
  if (token === undefined || mint === undefined) {
    throw invalidParams('Invalid param: not a Token account')
  }
  return withContext(chain.slot(), uiTokenAmount(token.amount, mint.decimals))
}

function getTokenAccountsByOwner(chain: SolanaChain, params: Params): unknown {
  const owner = addressParam(params, 0)
  const filter = requiredParam(params, 1)
  const mint = filterAddress(filter, 'mint')
  const programId = filterAddress(filter, 'programId')
  if ((mint === undefined) === (programId === undefined)) {
    throw invalidParams('Invalid params: expected `mint` or `programId`')
  }
  const config = configParam(params, 2)
  const encoding = accountEncoding(config, 'binary')
  const value: unknown[] = []
  if (programId !== undefined && programId !== TOKEN_PROGRAM_ADDRESS) {
    throw invalidParams('Invalid param: unrecognized Token program id')
  }
  for (const candidate of chain.svm.getProgramAccounts(TOKEN_PROGRAM_ADDRESS)) {
    const account = {
      lamports: candidate.lamports,
      owner: candidate.programAddress,
      executable: candidate.executable,
      data: Uint8Array.from(candidate.data),
    }
    const token = decodeTokenAccount(account)
    if (token?.owner !== owner || (mint !== undefined && token.mint !== mint)) continue
    value.push({
      pubkey: candidate.address,
      account: encodeAccount(chain, account, encoding, config),
    })
  }
  return withContext(chain.slot(), value)
}

function filterAddress(filter: unknown, key: 'mint' | 'programId'): string | undefined {
  if (typeof filter !== 'object' || filter === null || Array.isArray(filter)) {
    throw invalidParams('Invalid params: expected a `mint` or `programId` filter object')
  }
  const value = Object.entries(filter).find(([name]) => name === key)?.[1]
  return value === undefined ? undefined : addressItem(value)
}

function accountEncoding(config: Config, fallback: AccountEncoding): AccountEncoding {
  return configChoice(config, 'encoding', ACCOUNT_ENCODINGS, fallback)
}

/** An account as Solana's RPC shows it in the requested encoding, or null if it does not exist. */
export function encodeAccount(
  chain: SolanaChain,
  account: ChainAccount | undefined,
  encoding: AccountEncoding,
  config: Config,
): unknown {
  if (account === undefined) return null
  const base = {
    executable: account.executable,
    lamports: account.lamports,
    owner: account.owner,
    rentEpoch: RENT_EXEMPT_RENT_EPOCH,
    space: account.data.length,
  }
  if (encoding === 'jsonParsed') {
    if (config.dataSlice !== undefined && config.dataSlice !== null) {
      const message =
        'Sliced account data can only be encoded using binary (base 58) or base64 encoding.'
      throw new RpcError(RPC_ERROR.INVALID_REQUEST, message)
    }
    const decimalsOf = (mint: string) => decodeMintAccount(chain.getAccount(mint))?.decimals
    const parsed = parseTokenAccountJson(account, decimalsOf)
    // Like Solana, accounts without a parser fall back to base64.
    return { ...base, data: parsed ?? [base64Encode(account.data), 'base64'] }
  }
  const data = sliceData(account.data, config.dataSlice)
  if (encoding === 'base64') return { ...base, data: [base64Encode(data), 'base64'] }
  if (encoding === 'base64+zstd') {
    throw invalidParams('Invalid params: base64+zstd encoding is not supported by this devnet')
  }
  if (data.length > BASE58_DATA_BYTES_MAX) {
    const message = `Encoded binary (base 58) data should be less than ${BASE58_DATA_BYTES_MAX} bytes, please use Base64 encoding.`
    throw new RpcError(RPC_ERROR.INVALID_REQUEST, message)
  }
  // The legacy "binary" encoding is a bare base58 string; "base58" tags it.
  const text = base58Encode(data)
  return { ...base, data: encoding === 'binary' ? text : [text, 'base58'] }
}

function sliceData(data: Uint8Array, slice: unknown): Uint8Array {
  if (slice === undefined || slice === null) return data
  if (typeof slice !== 'object' || Array.isArray(slice)) {
    throw invalidParams('Invalid params: `dataSlice` must be {offset, length}')
  }
  const fields = new Map(Object.entries(slice))
  const offset = fields.get('offset')
  const length = fields.get('length')
  if (!isCount(offset) || !isCount(length)) {
    throw invalidParams('Invalid params: `dataSlice` must be {offset, length}')
  }
  return data.subarray(Math.min(offset, data.length), Math.min(offset + length, data.length))
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0
}
