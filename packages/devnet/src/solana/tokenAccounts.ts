/**
 * Reads classic SPL Token mints and token accounts out of raw account data, and formats amounts
 * the way Solana's RPC does (`uiTokenAmount`, the `jsonParsed` encoding).
 * @module
 */
import type { Address } from '@solana/kit'
import {
  AccountState,
  getMintDecoder,
  getMintSize,
  getTokenDecoder,
  getTokenSize,
  type Mint,
  TOKEN_PROGRAM_ADDRESS,
  type Token,
} from '@solana-program/token'

/** An account as the devnet hands it around: what Solana's RPC reports about it. */
export type ChainAccount = {
  lamports: bigint
  owner: string
  executable: boolean
  data: Uint8Array
}

/** `uiTokenAmount` of the RPC: the raw amount plus its decimal renderings. */
export type UiTokenAmount = {
  amount: string
  decimals: number
  uiAmount: number | null
  uiAmountString: string
}

/** The token account in `account`, if it is an initialized classic SPL Token account. */
export function decodeTokenAccount(account: ChainAccount | undefined): Token | undefined {
  if (account?.owner !== TOKEN_PROGRAM_ADDRESS || account.data.length !== getTokenSize()) {
    return undefined
  }
  const token = getTokenDecoder().decode(account.data)
  return token.state === AccountState.Uninitialized ? undefined : token
}

/** The mint in `account`, if it is an initialized classic SPL Token mint. */
export function decodeMintAccount(account: ChainAccount | undefined): Mint | undefined {
  if (account?.owner !== TOKEN_PROGRAM_ADDRESS || account.data.length !== getMintSize()) {
    return undefined
  }
  const mint = getMintDecoder().decode(account.data)
  return mint.isInitialized ? mint : undefined
}

/** Renders an atomic amount like Solana's RPC: `1500000` with 6 decimals is `"1.5"`. */
export function uiTokenAmount(amount: bigint, decimals: number): UiTokenAmount {
  const scale = 10n ** BigInt(decimals)
  const whole = amount / scale
  const fraction = (amount % scale).toString().padStart(decimals, '0').replace(/0+$/, '')
  const uiAmountString = fraction === '' ? whole.toString() : `${whole}.${fraction}`
  return { amount: amount.toString(), decimals, uiAmount: Number(uiAmountString), uiAmountString }
}

/** The `jsonParsed` form of a token account or mint, or undefined for any other account. */
export function parseTokenAccountJson(
  account: ChainAccount,
  decimalsOf: (mint: Address) => number | undefined,
): { program: 'spl-token'; parsed: unknown; space: number } | undefined {
  const space = account.data.length
  const mint = decodeMintAccount(account)
  if (mint !== undefined) {
    const info = {
      decimals: mint.decimals,
      freezeAuthority: optionValue(mint.freezeAuthority),
      isInitialized: true,
      mintAuthority: optionValue(mint.mintAuthority),
      supply: mint.supply.toString(),
    }
    return { program: 'spl-token', parsed: { info, type: 'mint' }, space }
  }
  const token = decodeTokenAccount(account)
  if (token === undefined) return undefined
  const decimals = decimalsOf(token.mint)
  if (decimals === undefined) return undefined
  const info: Record<string, unknown> = {
    isNative: token.isNative.__option === 'Some',
    mint: token.mint,
    owner: token.owner,
    state: token.state === AccountState.Frozen ? 'frozen' : 'initialized',
    tokenAmount: uiTokenAmount(token.amount, decimals),
  }
  const delegate = optionValue(token.delegate)
  if (delegate !== null) {
    info.delegate = delegate
    info.delegatedAmount = uiTokenAmount(token.delegatedAmount, decimals)
  }
  const closeAuthority = optionValue(token.closeAuthority)
  if (closeAuthority !== null) info.closeAuthority = closeAuthority
  return { program: 'spl-token', parsed: { info, type: 'account' }, space }
}

function optionValue<T>(option: { __option: 'Some'; value: T } | { __option: 'None' }): T | null {
  return option.__option === 'Some' ? option.value : null
}
