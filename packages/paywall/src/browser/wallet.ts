/**
 * The injected EIP-1193 wallet (`window.ethereum`): connect, read and switch the chain, sign
 * typed data. Provider failures become `WalletError`s whose `kind` the page explains.
 */
import type { TransferTypedData } from './payment.ts'

/** The one method of EIP-1193 the page needs. */
export interface Eip1193Provider {
  request(args: { method: string; params?: readonly unknown[] | undefined }): Promise<unknown>
}

export type WalletErrorKind = 'no-wallet' | 'rejected' | 'unknown-chain' | 'failed'

export class WalletError extends Error {
  override readonly name = 'WalletError'
  constructor(
    readonly kind: WalletErrorKind,
    message: string,
  ) {
    super(message)
  }
}

/** EIP-1193 `userRejectedRequest`, and EIP-3085's "unrecognized chain" for a switch. */
const userRejectedCode = 4001
const unrecognizedChainCode = 4902

/** The wallet a browser extension injected, if any. */
export function injectedProvider(scope: object): Eip1193Provider | undefined {
  const candidate: unknown = Reflect.get(scope, 'ethereum')
  if (typeof candidate !== 'object' || candidate === null) return undefined
  const request: unknown = Reflect.get(candidate, 'request')
  if (typeof request !== 'function') return undefined
  return {
    request: (args) => Promise.resolve(request.call(candidate, args)),
  }
}

/** Asks the wallet for its account (a prompt the first time); the first one pays. */
export async function requestAccount(provider: Eip1193Provider): Promise<string> {
  const accounts = await call(provider, 'eth_requestAccounts', [])
  const first: unknown = Array.isArray(accounts) ? accounts[0] : undefined
  if (typeof first !== 'string' || !/^0x[0-9a-fA-F]{40}$/.test(first)) {
    throw new WalletError('failed', 'the wallet returned no account')
  }
  return first
}

/** The chain the wallet is on, as a number. */
export async function walletChainId(provider: Eip1193Provider): Promise<number> {
  const chainId = await call(provider, 'eth_chainId', [])
  const parsed = typeof chainId === 'string' ? Number.parseInt(chainId, 16) : Number.NaN
  if (!Number.isSafeInteger(parsed) || parsed <= 0) {
    throw new WalletError(
      'failed',
      `the wallet reported an unreadable chain id: ${String(chainId)}`,
    )
  }
  return parsed
}

/** Asks the wallet to move to `chainId` (EIP-3326). */
export async function switchChain(provider: Eip1193Provider, chainId: number): Promise<void> {
  await call(provider, 'wallet_switchEthereumChain', [{ chainId: `0x${chainId.toString(16)}` }])
}

/** Signs EIP-712 typed data with `eth_signTypedData_v4`; the signature as hex. */
export async function signTypedData(
  provider: Eip1193Provider,
  account: string,
  typedData: TransferTypedData,
): Promise<string> {
  const signature = await call(provider, 'eth_signTypedData_v4', [
    account,
    JSON.stringify(typedData),
  ])
  if (typeof signature !== 'string' || !/^0x([0-9a-fA-F]{2})+$/.test(signature)) {
    throw new WalletError('failed', 'the wallet returned no signature')
  }
  return signature
}

async function call(
  provider: Eip1193Provider,
  method: string,
  params: readonly unknown[],
): Promise<unknown> {
  try {
    return await provider.request({ method, params })
  } catch (error) {
    throw walletError(method, error)
  }
}

/** Some wallets nest the EIP-1193 code (`data.originalError.code`); both places are read. */
function walletError(method: string, error: unknown): WalletError {
  const code = errorCode(error) ?? errorCode(nested(nested(error, 'data'), 'originalError'))
  const message = errorMessage(error)
  if (code === userRejectedCode) return new WalletError('rejected', message)
  if (code === unrecognizedChainCode) return new WalletError('unknown-chain', message)
  return new WalletError('failed', `${method} failed: ${message}`)
}

function nested(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null ? Reflect.get(value, key) : undefined
}

function errorCode(error: unknown): number | undefined {
  const code = nested(error, 'code')
  return typeof code === 'number' ? code : undefined
}

function errorMessage(error: unknown): string {
  const message = nested(error, 'message')
  return typeof message === 'string' && message ? message : String(error)
}
