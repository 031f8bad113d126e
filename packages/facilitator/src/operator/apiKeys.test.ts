import { describe, expect, it } from 'vitest'
import { generateApiKey, hashApiKey, memoryApiKeyStore, readApiKey } from './apiKeys.ts'

describe('generateApiKey', () => {
  it('is tg_ and 32 random bytes in base64url, different every time', () => {
    const keys = new Set(Array.from({ length: 50 }, generateApiKey))
    expect(keys.size).toBe(50)
    for (const key of keys) {
      expect(key).toMatch(/^tg_[A-Za-z0-9_-]{43}$/)
      expect(Buffer.from(key.slice(3), 'base64url')).toHaveLength(32)
    }
  })
})

describe('hashApiKey', () => {
  it('is SHA-256 in lowercase hex', () => {
    expect(hashApiKey('abc')).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    )
  })
})

describe('memoryApiKeyStore', () => {
  it('finds a merchant by the hash of its key, and nothing by the key itself', async () => {
    const key = generateApiKey()
    const store = memoryApiKeyStore([
      { keyHash: hashApiKey(key), merchant: 'acme', networks: ['eip155:8453'] },
    ])
    expect(await store.findByHash(hashApiKey(key))).toEqual({
      merchant: 'acme',
      networks: ['eip155:8453'],
    })
    expect(await store.findByHash(key)).toBeUndefined()
    expect(await store.findByHash(hashApiKey(generateApiKey()))).toBeUndefined()
  })

  it('refuses an entry whose keyHash is not a hash, such as a key pasted in clear', () => {
    expect(() => memoryApiKeyStore([{ keyHash: generateApiKey(), merchant: 'acme' }])).toThrow(
      /keyHash of acme must be a SHA-256/,
    )
  })
})

describe('readApiKey', () => {
  const key = 'tg_0123456789abcdefghij'
  const headers = (values: Record<string, string>) => (name: string) => values[name]

  it.each([
    [{ authorization: `Bearer ${key}` }, { key }],
    [{ authorization: `bearer   ${key} ` }, { key }],
    [{ 'x-api-key': key }, { key }],
    [{ authorization: `Bearer ${key}`, 'x-api-key': 'tg_another_key_0000000' }, { key }],
    [{}, 'missing'],
    [{ 'x-api-key': ' ' }, 'missing'],
    [{ authorization: `Basic ${key}` }, 'invalid'],
    [{ authorization: 'Bearer short' }, 'invalid'],
    [{ 'x-api-key': `${key}é` }, 'invalid'],
  ])('reads %j as %j', (values, expected) => {
    expect(readApiKey(headers(values))).toEqual(expected)
  })
})
