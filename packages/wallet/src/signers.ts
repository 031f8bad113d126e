import type { EvmSigner } from '@tollgate/evm'
import { type Address, getAddress, type Hex, type TypedDataDefinition } from 'viem'
import { type PrivateKeyAccount, privateKeyToAccount } from 'viem/accounts'
import { decryptKeystore } from './keystore.ts'

/**
 * Where an agent's key comes from: the environment, an encrypted keystore file, or a remote
 * signer (a custody service or KMS) that signs typed data and never hands over a key. Errors
 * name the source, never the key.
 */

const privateKeyPattern = /^0x[0-9a-fA-F]{64}$/

/** An account from a hex private key (with or without `0x`); the key never appears in an error. */
export function signerFromPrivateKey(value: string, source = 'the private key'): PrivateKeyAccount {
  const trimmed = value.trim()
  const key = trimmed.startsWith('0x') ? trimmed : `0x${trimmed}`
  if (!privateKeyPattern.test(key)) throw new Error(`${source} is not a 32-byte hex private key`)
  try {
    return privateKeyToAccount(key as Hex)
  } catch {
    throw new Error(`${source} is not a valid secp256k1 private key`)
  }
}

/** The account whose key is in `env[name]`. */
export function signerFromEnv(
  env: Readonly<Record<string, string | undefined>>,
  name = 'TOLLGATE_PRIVATE_KEY',
): PrivateKeyAccount {
  const value = env[name]
  if (!value) throw new Error(`${name} is not set`)
  return signerFromPrivateKey(value, name)
}

/** The account in a standard Ethereum JSON keystore (scrypt or pbkdf2). */
export async function signerFromKeystore(
  keystore: unknown,
  password: string,
): Promise<PrivateKeyAccount> {
  return signerFromPrivateKey(await decryptKeystore(keystore, password), 'the keystore')
}

export interface RemoteSignerOptions {
  address: string
  /** Signs EIP-712 typed data for `address`, e.g. by calling a custody service. */
  signTypedData(typedData: TypedDataDefinition): Promise<Hex>
}

/**
 * A signer whose key lives elsewhere. The address is checked, and a signature that is not a
 * 65-byte hex string is refused before it could reach a server.
 */
export function remoteSigner(options: RemoteSignerOptions): EvmSigner {
  const address: Address = getAddress(options.address)
  return {
    address,
    async signTypedData(typedData) {
      const signature = await options.signTypedData(typedData)
      if (typeof signature !== 'string' || !/^0x[0-9a-fA-F]{130}$/.test(signature))
        throw new Error('the remote signer returned something that is not a 65-byte signature')
      return signature
    },
  }
}
