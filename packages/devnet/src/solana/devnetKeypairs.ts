/**
 * Fixed ed25519 keypairs for the Solana devnet, derived from public labels so every run has the
 * same addresses (as anvil's mnemonic does for EVM). They are test keys known to everyone: never
 * fund them on a real network.
 * @module
 */
import { createHash, createPrivateKey, createPublicKey } from 'node:crypto'
import { base58Encode } from './encoding.ts'

/** A keypair in Solana CLI terms: the address and the 64-byte secret key (seed ‖ public key). */
export type DevnetKeypair = {
  address: string
  /** base58 of the 64-byte ed25519 keypair, as `createKeyPairFromBytes` in @solana/kit expects. */
  secretKey: string
  publicKeyBytes: Uint8Array
}

// DER prefix of an Ed25519 PKCS#8 private key; the raw 32-byte seed follows it.
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex')

/**
 * The devnet keypair for `label` (e.g. `payer`): its seed is sha256 of
 * `tollgate-devnet/solana/<label>`.
 */
export function devnetKeypair(label: string): DevnetKeypair {
  const seed = createHash('sha256').update(`tollgate-devnet/solana/${label}`).digest()
  const privateKey = createPrivateKey({
    key: Buffer.concat([ED25519_PKCS8_PREFIX, seed]),
    format: 'der',
    type: 'pkcs8',
  })
  const spki = createPublicKey(privateKey).export({ format: 'der', type: 'spki' })
  // The raw public key is the last 32 bytes of its SubjectPublicKeyInfo.
  const publicKeyBytes = new Uint8Array(spki.subarray(spki.length - 32))
  const secretKey = new Uint8Array(64)
  secretKey.set(seed, 0)
  secretKey.set(publicKeyBytes, 32)
  return {
    address: base58Encode(publicKeyBytes),
    secretKey: base58Encode(secretKey),
    publicKeyBytes,
  }
}
