import { describe, expect, it } from 'vitest'
import { decryptKeystore, encryptKeystore } from './keystore.ts'

const secret = '0x7a28b5ba57c53603b0b07b56bba752f7784bf506fa95edc395f5cf6c7514fe9d'

describe('JSON keystore', () => {
  it('decrypts the Web3 Secret Storage PBKDF2 test vector', async () => {
    const vector = {
      version: 3,
      id: '3198bc9c-6672-5ab3-d995-4942343ae5b6',
      crypto: {
        cipher: 'aes-128-ctr',
        cipherparams: { iv: '6087dab2f9fdbbfaddc31a909735c1e6' },
        ciphertext: '5318b4d5bcd28de64ee5559e671353e16f075ecae9f99c7a79a38af5f869aa46',
        kdf: 'pbkdf2',
        kdfparams: {
          c: 262144,
          dklen: 32,
          prf: 'hmac-sha256',
          salt: 'ae3cd4e7013836a3df6bd7241b12db061dbe2c6785853cce422d148a624ce0bd',
        },
        mac: '517ead924a9d0dc3124507e3393d175ce3ff7c1e96529c6c555ce9e51205e9b2',
      },
    }
    expect(await decryptKeystore(vector, 'testpassword')).toBe(secret)
    await expect(decryptKeystore(vector, 'wrong')).rejects.toThrow(/wrong password/)
  })

  it('round-trips a key through scrypt encryption', async () => {
    const keystore = await encryptKeystore(secret, 'hunter2', { scryptN: 1024 })
    expect(JSON.stringify(keystore)).not.toContain(secret.slice(2))
    expect(await decryptKeystore(JSON.parse(JSON.stringify(keystore)), 'hunter2')).toBe(secret)
  })

  it('refuses something that is not a keystore', async () => {
    await expect(decryptKeystore({ version: 3 }, 'x')).rejects.toThrow(
      /not an Ethereum JSON keystore/,
    )
  })
})
