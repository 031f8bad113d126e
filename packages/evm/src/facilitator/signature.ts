import { type ErrorCode, TollgateError } from '@tollgate/core'
import {
  type Address,
  getAddress,
  type Hex,
  isErc6492Signature,
  type PublicClient,
  parseErc6492Signature,
  zeroAddress,
} from 'viem'
import { erc1271Abi, erc1271MagicValue } from '../abi.ts'
import { recoverSigner } from '../batch-settlement/recoverSigner.ts'

/** Half the secp256k1 group order: ECDSA signatures with a larger s are malleable twins. */
const secp256k1HalfOrder = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0n

/** A signature as the token will see it. */
export interface ClassifiedSignature {
  /** The signature passed to the token (the inner one when ERC-6492 wrapped). */
  inner: Hex
  /** Deployment a counterfactual wallet needs first. */
  deploy?: { factory: Address; data: Hex } | undefined
}

/** Unwraps ERC-6492; the deployment is kept only when it is needed (no code at `from` yet). */
export function classifySignature(signature: Hex, fromHasCode: boolean): ClassifiedSignature {
  if (!isErc6492Signature(signature)) return { inner: signature }
  const { address, data, signature: inner } = parseErc6492Signature(signature)
  if (!address || !data || address === zeroAddress || fromHasCode) return { inner }
  return { inner, deploy: { factory: getAddress(address), data } }
}

/** Splits a 65-byte ECDSA signature for the (v, r, s) overload; v normalised to 27/28. */
export function splitSignature(signature: Hex): { v: number; r: Hex; s: Hex } | undefined {
  if (signature.length !== 132) return undefined
  const r = `0x${signature.slice(2, 66)}` as Hex
  const s = `0x${signature.slice(66, 130)}` as Hex
  let v = Number.parseInt(signature.slice(130, 132), 16)
  if (v === 0 || v === 1) v += 27
  if (v !== 27 && v !== 28) return undefined
  return { v, r, s }
}

/**
 * Checks an EOA signature like USDC does on chain: 65 bytes, v 27/28, low s, a non-zero
 * recovered address equal to `from`. Returns the failing code, or undefined when valid.
 */
export async function checkEcdsaSignature(
  digest: Hex,
  signature: Hex,
  from: Address,
): Promise<{ code: ErrorCode; message: string } | undefined> {
  const parts = splitSignature(signature)
  if (!parts) {
    return {
      code: 'EVM_EXACT_SIGNATURE_INVALID',
      message: 'not a 65-byte ECDSA signature with v 27 or 28',
    }
  }
  if (BigInt(parts.s) > secp256k1HalfOrder || BigInt(parts.s) === 0n || BigInt(parts.r) === 0n) {
    return {
      code: 'EVM_EXACT_SIGNATURE_INVALID',
      message: 'ECDSA signature is malleable (high s) or zero',
    }
  }
  // libsecp256k1 when the addon loads (about thirty times faster than viem's curve), else viem.
  // v 0/1 is sent as 27/28 (the (v, r, s) overload), so it recovers as that.
  const signer = await recoverSigner(
    digest,
    `${signature.slice(0, 130)}${parts.v.toString(16)}` as Hex,
  )
  if (!signer) {
    return {
      code: 'EVM_EXACT_SIGNATURE_INVALID',
      message: 'signature does not recover to an address',
    }
  }
  if (signer === zeroAddress || signer !== from.toLowerCase()) {
    return {
      code: 'EVM_EXACT_SIGNATURE_INVALID',
      message: 'signature was not made by authorization.from',
    }
  }
  return undefined
}

/** ERC-1271: a contract signer accepts the signature only by returning the magic value. */
export async function checkContractSignature(
  client: PublicClient,
  digest: Hex,
  signature: Hex,
  from: Address,
): Promise<{ code: ErrorCode; message: string } | undefined> {
  try {
    const result = await client.readContract({
      address: from,
      abi: erc1271Abi,
      functionName: 'isValidSignature',
      args: [digest, signature],
    })
    if (result.toLowerCase() === erc1271MagicValue) return undefined
    return {
      code: 'EVM_EXACT_SIGNATURE_INVALID',
      message: 'ERC-1271 wallet rejected the signature',
    }
  } catch (error) {
    if (error instanceof TollgateError) throw error
    return {
      code: 'EVM_EXACT_SIGNATURE_INVALID',
      message: `ERC-1271 check reverted: ${shortMessage(error)}`,
    }
  }
}

export function shortMessage(error: unknown): string {
  const text =
    (error as { shortMessage?: string })?.shortMessage ?? (error as Error)?.message ?? String(error)
  return text.split('\n')[0]!.slice(0, 300)
}
