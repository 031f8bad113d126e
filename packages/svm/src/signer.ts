import { createKeyPairSignerFromBytes, getBase58Encoder, type KeyPairSigner } from '@solana/kit'
import { TollgateError } from '@tollgate/core'

/**
 * A kit `KeyPairSigner` from a base58 secret key of 64 bytes (secret then public half), the
 * format of Phantom exports and of `solana-keygen` files read as bytes.
 */
export async function svmSignerFromSecretKey(secretKeyBase58: string): Promise<KeyPairSigner> {
  let bytes: Uint8Array
  try {
    bytes = Uint8Array.from(getBase58Encoder().encode(secretKeyBase58.trim()))
  } catch (cause) {
    throw new TollgateError('REQUIREMENTS_MALFORMED', 'the secret key is not base58', { cause })
  }
  if (bytes.length !== 64) {
    throw new TollgateError(
      'REQUIREMENTS_MALFORMED',
      `a Solana secret key has 64 bytes, this one ${bytes.length}`,
    )
  }
  return createKeyPairSignerFromBytes(bytes)
}
