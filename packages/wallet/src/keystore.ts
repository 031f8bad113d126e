import { Keystore } from 'ox'
import type { Hex } from 'viem'
import { z } from 'zod'

/**
 * The standard Ethereum JSON keystore (Web3 Secret Storage v3), read and written with ox, the
 * library viem itself is built on. This module adds the shape check and plain-language errors.
 */

const hex = z.string().regex(/^[0-9a-fA-F]*$/)
const keystoreSchema = z.object({
  version: z.literal(3),
  id: z.string(),
  crypto: z.object({
    cipher: z.literal('aes-128-ctr'),
    cipherparams: z.object({ iv: hex }),
    ciphertext: hex,
    mac: hex,
    kdf: z.enum(['scrypt', 'pbkdf2']),
    kdfparams: z.looseObject({ dklen: z.number().int(), salt: hex }),
  }),
})

/** The private key in a keystore; a wrong password is an error that says so. */
export async function decryptKeystore(json: unknown, password: string): Promise<Hex> {
  const parsed = keystoreSchema.safeParse(json)
  if (!parsed.success) throw new Error('not an Ethereum JSON keystore (version 3, aes-128-ctr)')
  const keystore = parsed.data as Keystore.Keystore
  const key = await Keystore.toKeyAsync(keystore, { password })
  try {
    return Keystore.decrypt(keystore, key)
  } catch {
    throw new Error('wrong password (the keystore MAC does not match)')
  }
}

/**
 * Encrypts a private key with scrypt. The default cost (n = 2^18) is the keystore standard's;
 * tests pass a small `scryptN` to stay fast.
 */
export async function encryptKeystore(
  privateKey: Hex,
  password: string,
  options: { scryptN?: number } = {},
) {
  const [key, derivation] = await Keystore.scryptAsync({
    password,
    ...(options.scryptN ? { n: options.scryptN } : {}),
  })
  return Keystore.encrypt(privateKey, key, derivation)
}
