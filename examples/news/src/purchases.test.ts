import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { articles, checkArticles } from './articles.ts'
import { FolderPurchases, MemoryPurchases, type Purchase } from './purchases.ts'

const address = '0xAbCdEf0123456789aBcDeF0123456789AbCdEf01'
const purchase = (slug: string, transaction = '0x01'): Purchase => ({
  address,
  slug,
  transaction,
  network: 'eip155:31337',
  amount: '10000',
  at: '2026-12-07T10:00:00.000Z',
})

let folder: string
beforeEach(async () => {
  folder = await mkdtemp(join(tmpdir(), 'news-purchases-'))
})
afterEach(async () => {
  await rm(folder, { recursive: true, force: true })
})

describe('FolderPurchases', () => {
  it('keeps a purchase across instances, under the address in any spelling', async () => {
    await new FolderPurchases({ folder }).record(purchase('tide-tables'))
    const later = new FolderPurchases({ folder })
    expect(await later.has(address.toLowerCase(), 'tide-tables')).toBe(true)
    expect(await later.has(address.toUpperCase().replace('0X', '0x'), 'tide-tables')).toBe(true)
    expect(await later.has(address, 'night-ferry')).toBe(false)
    expect(await later.has('0x0000000000000000000000000000000000000001', 'tide-tables')).toBe(false)
    const files = await readdir(join(folder, address.toLowerCase()))
    expect(files).toEqual(['tide-tables.json'])
  })

  it('keeps the first record of a purchase and loses none of several made at once', async () => {
    const store = new FolderPurchases({ folder })
    await store.record(purchase('tide-tables', '0x01'))
    await store.record(purchase('tide-tables', '0x02'))
    const kept = JSON.parse(
      await readFile(join(folder, address.toLowerCase(), 'tide-tables.json'), 'utf8'),
    )
    expect(kept).toMatchObject({ transaction: '0x01', address: address.toLowerCase() })
    const slugs = ['a', 'b', 'c', 'd', 'e', 'f']
    await Promise.all(slugs.map((slug) => new FolderPurchases({ folder }).record(purchase(slug))))
    for (const slug of slugs) expect(await store.has(address, slug)).toBe(true)
    const left = await readdir(join(folder, address.toLowerCase()))
    expect(left.filter((name) => name.endsWith('.tmp'))).toEqual([])
  })

  it('refuses what is not an address or a slug, so nothing is written outside the folder', async () => {
    const store = new FolderPurchases({ folder })
    await expect(store.record({ ...purchase('x'), address: '../../etc' })).rejects.toThrow(
      /EVM address/,
    )
    await expect(store.record(purchase('../escape'))).rejects.toThrow(/article slug/)
    expect(await store.has('../../etc', 'passwd')).toBe(false)
    expect(await store.has(address, '../x')).toBe(false)
    expect(await readdir(folder)).toEqual([])
  })
})

describe('MemoryPurchases', () => {
  it('answers like the folder store', async () => {
    const store = new MemoryPurchases()
    await store.record(purchase('tide-tables'))
    expect(await store.has(address.toLowerCase(), 'tide-tables')).toBe(true)
    expect(await store.has(address, 'night-ferry')).toBe(false)
    await expect(store.record({ ...purchase('x'), address: 'someone' })).rejects.toThrow()
  })
})

describe('checkArticles', () => {
  it('accepts the shipped catalogue and refuses unsafe slugs, bad prices and duplicates', () => {
    expect(() => checkArticles(articles)).not.toThrow()
    const one = articles[0]!
    expect(() => checkArticles([{ ...one, slug: '../etc' }])).toThrow(/slug/)
    expect(() => checkArticles([{ ...one, slug: 'Tides' }])).toThrow(/slug/)
    expect(() => checkArticles([one, one])).toThrow(/twice/)
    expect(() => checkArticles([{ ...one, price: '0.01' }])).toThrow(/price/)
    expect(() => checkArticles([{ ...one, price: '$0' }])).toThrow(/price/)
    expect(() => checkArticles([{ ...one, price: '$0.0000001' }])).toThrow(/price/)
  })
})
