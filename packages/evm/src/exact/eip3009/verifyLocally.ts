import { evmChainId, type LocalVerdict, type PaymentRequirements } from '@tollgate/core'
import type { Address, Hex } from 'viem'
import { recoverSigner } from '../../batch-settlement/recoverSigner.ts'
import { exactEvmPayloadSchema } from './payload.ts'
import { authorizationDigestBytes } from './typedData.ts'

/**
 * An EIP-3009 payment checked with no chain round trip: payee, exact amount, time window and an
 * EOA signature by `from` (recovered natively when the secp256k1 addon loads). Smart-wallet
 * signatures need the chain (EIP-1271), so they get undefined: this payment cannot be judged
 * alone. Balance and nonce state are not seen: that is the risk a credit line takes.
 */
export async function verifyAuthorizationLocally(
  payload: unknown,
  requirements: PaymentRequirements,
  nowSeconds: number,
): Promise<LocalVerdict | undefined> {
  const parsed = exactEvmPayloadSchema.safeParse(payload)
  if (!parsed.success || requirements.extra?.assetTransferMethod === 'permit2') return undefined
  const { authorization, signature } = parsed.data
  // Only a plain 65-byte ECDSA signature can be checked without the chain.
  if (signature.length !== 132) return undefined
  const chainId = evmChainId(requirements.network)
  const name = requirements.extra?.name
  const version = requirements.extra?.version
  if (chainId === undefined || typeof name !== 'string' || typeof version !== 'string')
    return undefined
  if (authorization.to.toLowerCase() !== requirements.payTo.toLowerCase())
    return {
      ok: false,
      code: 'EVM_EXACT_RECIPIENT_MISMATCH',
      message: `the authorization pays ${authorization.to}, not ${requirements.payTo}`,
    }
  if (BigInt(authorization.value) !== BigInt(requirements.amount))
    return {
      ok: false,
      code: 'EVM_EXACT_VALUE_MISMATCH',
      message: `the authorization is for ${authorization.value}, the price is ${requirements.amount}`,
    }
  // A few seconds of margin at the end: settling takes time, and a credit is settled later.
  if (BigInt(authorization.validBefore) <= BigInt(nowSeconds + 6))
    return { ok: false, code: 'EVM_EXACT_VALID_BEFORE', message: 'the authorization has expired' }
  if (BigInt(authorization.validAfter) > BigInt(nowSeconds))
    return {
      ok: false,
      code: 'EVM_EXACT_VALID_AFTER',
      message: 'the authorization is not valid yet',
    }
  const digest = authorizationDigestBytes(
    { name, version, chainId, verifyingContract: requirements.asset as Address },
    authorization,
  )
  const signer = await recoverSigner(digest, signature as Hex)
  if (signer !== authorization.from.toLowerCase())
    return {
      ok: false,
      code: 'EVM_EXACT_SIGNATURE_INVALID',
      message: 'the signature was not made by authorization.from',
    }
  return { ok: true, payer: authorization.from }
}
