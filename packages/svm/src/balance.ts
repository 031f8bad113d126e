import { type Address, address, getAddressEncoder, getBase64Encoder } from '@solana/kit'
import { findAssociatedTokenPda } from '@solana-program/token'
import { TollgateError } from '@tollgate/core'
import { readMint } from './mint.ts'
import { rpcOf, type SvmClientRpc, type SvmRpcSource, solanaRpc } from './rpc.ts'

/** Byte offset of `amount` in an SPL token account (after the mint and the owner). */
const amountOffset = 64
/** An SPL token account; Token-2022 accounts start with the same 165 bytes. */
const tokenAccountBytesMin = 165

/**
 * The amount in `owner`'s associated token account for `mint` under `tokenProgram`, in atomic
 * units; 0 when that account does not exist. Other token accounts of the owner are not counted:
 * the exact scheme pays from the associated one.
 */
export async function readTokenBalance(
  rpc: SvmClientRpc,
  owner: Address,
  mint: Address,
  tokenProgram: Address,
): Promise<bigint> {
  const [account] = await findAssociatedTokenPda({ owner, mint, tokenProgram })
  const { value } = await rpc.getAccountInfo(account, { encoding: 'base64' }).send()
  if (!value) return 0n
  const data = Uint8Array.from(getBase64Encoder().encode(value.data[0]))
  const mintBytes = getAddressEncoder().encode(mint)
  const sameMint = mintBytes.every((byte, index) => data[index] === byte)
  if (value.owner !== tokenProgram || data.length < tokenAccountBytesMin || !sameMint) {
    throw new TollgateError(
      'ASSET_NOT_ALLOWED',
      `${account} is not a ${mint} token account of the program ${tokenProgram}`,
    )
  }
  return new DataView(data.buffer, data.byteOffset).getBigUint64(amountOffset, true)
}

/**
 * How much of the SPL token `mint` the address `owner` holds in its associated token account, in
 * atomic units (0 without one). The token program is read from the mint.
 * @example
 * const atomic = await readSvmTokenBalance({ rpcUrl: devnet.rpcUrl }, devnet.payer.address, devnet.mint)
 */
export async function readSvmTokenBalance(
  source: SvmRpcSource<SvmClientRpc>,
  owner: string,
  mint: string,
): Promise<bigint> {
  const rpc = rpcOf<SvmClientRpc>(source, solanaRpc)
  const facts = await readMint(rpc, address(mint))
  return readTokenBalance(rpc, address(owner), address(mint), facts.tokenProgram)
}
