import { type Address, getBase64Encoder } from '@solana/kit'
import { TollgateError } from '@tollgate/core'
import { token2022Program, tokenProgram } from './constants.ts'
import type { SvmClientRpc } from './rpc.ts'

/** What a transfer needs to know of a mint: the program that owns it and its decimals. */
export interface MintFacts {
  tokenProgram: Address
  decimals: number
}

/** Byte offset of `decimals` in an SPL mint (after the mint authority and the supply). */
const decimalsOffset = 44
const mintBytesMin = 82

/**
 * Reads the mint account: its owner must be the SPL Token or the Token-2022 program, and its
 * data an initialized mint. Token-2022 mints start with the same 82-byte layout.
 */
export async function readMint(rpc: SvmClientRpc, mint: Address): Promise<MintFacts> {
  const { value } = await rpc.getAccountInfo(mint, { encoding: 'base64' }).send()
  if (!value) throw new TollgateError('ASSET_NOT_ALLOWED', `mint ${mint} does not exist`)
  if (value.owner !== tokenProgram && value.owner !== token2022Program) {
    throw new TollgateError(
      'ASSET_NOT_ALLOWED',
      `${mint} is owned by ${value.owner}, not by a token program`,
    )
  }
  const data = getBase64Encoder().encode(value.data[0])
  const decimals = data[decimalsOffset]
  if (data.length < mintBytesMin || decimals === undefined || data[decimalsOffset + 1] !== 1) {
    throw new TollgateError('ASSET_NOT_ALLOWED', `${mint} is not an initialized mint`)
  }
  return { tokenProgram: value.owner, decimals }
}

/** Caches mint facts per network and mint; a failed read is not cached. */
export class MintCache {
  readonly #entries = new Map<string, Promise<MintFacts>>()

  read(rpc: SvmClientRpc, network: string, mint: Address): Promise<MintFacts> {
    const key = `${network}|${mint}`
    const cached = this.#entries.get(key)
    if (cached) return cached
    const reading = readMint(rpc, mint)
    this.#entries.set(key, reading)
    reading.catch(() => this.#entries.delete(key))
    return reading
  }
}
