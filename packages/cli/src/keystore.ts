import {
  createCipheriv,
  createDecipheriv,
  pbkdf2Sync,
  randomBytes,
  randomUUID,
  scryptSync,
} from 'node:crypto'
import { type Hex, keccak256 } from 'viem'
import { privateKeyToAddress } from 'viem/accounts'
import { z } from 'zod'

/**
 * The standard Ethereum JSON keystore (Web3 Secret Storage v3): scrypt or PBKDF2 key
 * derivation, AES-128-CTR, a keccak MAC. No library in our dependency set reads it, and the
 * format is small and fixed, so it is implemented here on node:crypto.
 */

const hex = z.string().regex(/^(0x)?[0-9a-fA-F]*$/)
const keystoreSchema = z.object({
  version: z.literal(3),
  address: z.string().optional(),
  crypto: z.object({
    cipher: z.literal('aes-128-ctr'),
    cipherparams: z.object({ iv: hex }),
    ciphertext: hex,
    kdf: z.enum(['scrypt', 'pbkdf2']),
    kdfparams: z.looseObject({ dklen: z.number().int(), salt: hex }),
    mac: hex,
  }),
})

const strip = (value: string) => value.replace(/^0x/, '')

function deriveKey(crypto: z.output<typeof keystoreSchema>['crypto'], password: string): Buffer {
  const params = crypto.kdfparams as Record<string, number | string>
  const salt = Buffer.from(strip(String(params.salt)), 'hex')
  if (crypto.kdf === 'scrypt') {
    const N = Number(params.n)
    const r = Number(params.r)
    return scryptSync(password, salt, Number(params.dklen), {
      N,
      r,
      p: Number(params.p),
      maxmem: 256 * N * r + 1024,
    })
  }
  if (params.prf !== 'hmac-sha256')
    throw new Error('keystore: only hmac-sha256 PBKDF2 is supported')
  return pbkdf2Sync(password, salt, Number(params.c), Number(params.dklen), 'sha256')
}

function mac(derivedKey: Buffer, ciphertext: Buffer): string {
  return strip(keccak256(Buffer.concat([derivedKey.subarray(16, 32), ciphertext])))
}

/** The private key in a keystore; a wrong password is an error that says so. */
export function decryptKeystore(json: unknown, password: string): Hex {
  const parsed = keystoreSchema.safeParse(json)
  if (!parsed.success) throw new Error('not an Ethereum JSON keystore (version 3, aes-128-ctr)')
  const { crypto } = parsed.data
  const derivedKey = deriveKey(crypto, password)
  const ciphertext = Buffer.from(strip(crypto.ciphertext), 'hex')
  if (mac(derivedKey, ciphertext) !== strip(crypto.mac).toLowerCase()) {
    throw new Error('keystore: wrong password (MAC mismatch)')
  }
  const decipher = createDecipheriv(
    'aes-128-ctr',
    derivedKey.subarray(0, 16),
    Buffer.from(strip(crypto.cipherparams.iv), 'hex'),
  )
  return `0x${Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('hex')}`
}

/** Encrypts a private key with scrypt (n = 2^17 by default, as geth's "standard" setting). */
export function encryptKeystore(
  privateKey: Hex,
  password: string,
  options: { scryptN?: number } = {},
) {
  const salt = randomBytes(32)
  const iv = randomBytes(16)
  const kdfparams = {
    dklen: 32,
    n: options.scryptN ?? 131_072,
    r: 8,
    p: 1,
    salt: salt.toString('hex'),
  }
  const derivedKey = scryptSync(password, salt, 32, {
    N: kdfparams.n,
    r: 8,
    p: 1,
    maxmem: 256 * kdfparams.n * 8 + 1024,
  })
  const cipher = createCipheriv('aes-128-ctr', derivedKey.subarray(0, 16), iv)
  const ciphertext = Buffer.concat([
    cipher.update(Buffer.from(strip(privateKey), 'hex')),
    cipher.final(),
  ])
  return {
    version: 3 as const,
    id: randomUUID(),
    address: strip(privateKeyToAddress(privateKey)).toLowerCase(),
    crypto: {
      cipher: 'aes-128-ctr' as const,
      cipherparams: { iv: iv.toString('hex') },
      ciphertext: ciphertext.toString('hex'),
      kdf: 'scrypt' as const,
      kdfparams,
      mac: mac(derivedKey, ciphertext),
    },
  }
}
