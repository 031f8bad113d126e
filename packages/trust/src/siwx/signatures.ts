import {
  getBase58Decoder,
  getBase58Encoder,
  getPublicKeyFromAddress,
  type SignatureBytes,
  type Address as SolanaAddress,
  verifySignature,
} from '@solana/kit'
import type { ErrorCode } from '@tollgate/core'
import { type Hex, isAddress, type PublicClient, verifyMessage } from 'viem'
import { siwxMessage } from './message.ts'
import type { SiwxChallenge, SiwxPayload } from './wire.ts'

/** Why a signature did not verify, as a code of core's table and the detail. */
export type SignatureRefusal = { code: ErrorCode; message: string }

export interface SiwxSignatureOptions {
  /**
   * Verifies smart-wallet signatures too (EIP-1271, EIP-6492) by calling the chain. Without
   * one, only EOA signatures are accepted, with no round trip.
   */
  publicClient?: PublicClient | undefined
  /**
   * Recovers the EOA that signed an EIP-191 message, faster than viem's JavaScript curve (e.g.
   * `recoverMessageSigner` of `@tollgate/evm`, libsecp256k1 when its addon loads). Used
   * without `publicClient`; undefined for a signature it cannot recover.
   */
  recover?: ((message: string, signature: Hex) => Promise<string | undefined>) | undefined
}

/** Checks the payload's signature over the message its fields spell; undefined when it holds. */
export async function verifySiwxSignature(
  payload: SiwxPayload,
  options: SiwxSignatureOptions = {},
): Promise<SignatureRefusal | undefined> {
  let message: string
  try {
    message = siwxMessage(payload, payload.address)
  } catch (error) {
    return refusalOf(error)
  }
  if (payload.chainId.startsWith('eip155:')) return verifyEip191(payload, message, options)
  return verifyEd25519(payload, message)
}

async function verifyEip191(
  payload: SiwxPayload,
  message: string,
  options: SiwxSignatureOptions,
): Promise<SignatureRefusal | undefined> {
  if (!isAddress(payload.address, { strict: false }) || !/^0x[0-9a-fA-F]+$/.test(payload.signature))
    return {
      code: 'SIWX_SIGNATURE_MALFORMED',
      message: 'an EVM sign-in needs a 0x address and a hex signature',
    }
  const args = { address: payload.address, message, signature: payload.signature as Hex }
  let valid: boolean
  try {
    if (options.publicClient) valid = await options.publicClient.verifyMessage(args)
    else if (options.recover) {
      const signer = await options.recover(message, args.signature)
      valid = signer?.toLowerCase() === payload.address.toLowerCase()
    } else valid = await verifyMessage(args)
  } catch {
    valid = false
  }
  return valid
    ? undefined
    : { code: 'SIWX_SIGNATURE_INVALID', message: `the signature is not by ${payload.address}` }
}

async function verifyEd25519(
  payload: SiwxPayload,
  message: string,
): Promise<SignatureRefusal | undefined> {
  let signature: Uint8Array
  let key: CryptoKey
  try {
    signature = new Uint8Array(getBase58Encoder().encode(payload.signature))
    key = await getPublicKeyFromAddress(payload.address as SolanaAddress)
  } catch {
    return {
      code: 'SIWX_SIGNATURE_MALFORMED',
      message: 'a Solana sign-in needs a base58 address and signature',
    }
  }
  if (signature.length !== 64)
    return {
      code: 'SIWX_SIGNATURE_MALFORMED',
      message: `an ed25519 signature has 64 bytes, not ${signature.length}`,
    }
  const valid = await verifySignature(
    key,
    signature as SignatureBytes,
    new TextEncoder().encode(message),
  ).catch(() => false)
  return valid
    ? undefined
    : { code: 'SIWX_SIGNATURE_INVALID', message: `the signature is not by ${payload.address}` }
}

/** An EVM account that signs EIP-191 messages: a viem `LocalAccount` or a wallet client's. */
export interface EvmMessageSigner {
  address: string
  signMessage(input: { message: string }): Promise<Hex>
}

/** A Solana signer in @solana/kit's shape (`KeyPairSigner` and message signers). */
export interface SolanaMessageSigner {
  address: string
  signMessages(
    messages: readonly { content: Uint8Array; signatures: Record<string, unknown> }[],
  ): Promise<readonly Record<string, Uint8Array>[]>
}

/**
 * The header payload for a challenge, signed by `signer`: what a client sends back in
 * `SIGN-IN-WITH-X`. It echoes the challenge's fields exactly, as the server will rebuild the
 * message from them.
 */
export async function signSiwxChallenge(
  challenge: SiwxChallenge,
  signer: EvmMessageSigner | SolanaMessageSigner,
): Promise<SiwxPayload> {
  const message = siwxMessage(challenge, signer.address)
  let signature: string
  if ('signMessage' in signer) signature = await signer.signMessage({ message })
  else {
    const [signed] = await signer.signMessages([
      { content: new TextEncoder().encode(message), signatures: {} },
    ])
    const bytes = signed?.[signer.address]
    if (!bytes) throw new Error(`the Solana signer ${signer.address} returned no signature`)
    signature = getBase58Decoder().decode(bytes)
  }
  return { ...challenge, address: signer.address, signature }
}

function refusalOf(error: unknown): SignatureRefusal {
  const code = (error as { code?: ErrorCode }).code
  if (code) return { code, message: (error as Error).message }
  return { code: 'SIWX_SIGNATURE_MALFORMED', message: (error as Error).message }
}
