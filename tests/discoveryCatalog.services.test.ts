/**
 * One contract suite for every discovery catalogue: the facilitator's in-memory one, and the
 * ledger's SQL one on embedded PGlite and on the PostgreSQL server on 127.0.0.1. Each gets the
 * same entries and must agree on upserts, filters, totals, pages and search results.
 */
import type { DiscoveryCatalog, DiscoveryEntry, PaymentRequirements } from '@tollgate/core'
import { MemoryDiscoveryCatalog } from '@tollgate/facilitator'
import { openLedger, SqlDiscoveryCatalog } from '@tollgate/ledger'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { postgresUrl, requireService, uniqueSchema } from './support/services.ts'

const postgresAvailable = await requireService('postgres')

const merchant = '0x209693Bc6afc0C5328bA36FaF03C514EF312287C'
const solanaMerchant = '9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin'

function requirements(change: Partial<PaymentRequirements> = {}): PaymentRequirements {
  return {
    scheme: 'exact',
    network: 'eip155:8453',
    amount: '1000',
    asset: '0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913',
    payTo: merchant,
    maxTimeoutSeconds: 300,
    ...change,
  }
}

function entry(
  resource: string,
  change: Partial<DiscoveryEntry['item']> & { tool?: string; keywords?: string[] } = {},
): DiscoveryEntry {
  const { tool = '', keywords = [], ...item } = change
  return {
    tool,
    keywords,
    item: {
      resource,
      type: tool ? 'mcp' : 'http',
      x402Version: 2,
      accepts: [requirements()],
      lastUpdated: '2026-01-01T00:00:00.000Z',
      extensions: { bazaar: { info: { input: { type: 'http', method: 'GET' } }, schema: {} } },
      ...item,
    },
  }
}

const page = { limit: 20, offset: 0 }
const resources = (items: Array<{ resource: string }>) => items.map((item) => item.resource)

const engines: Array<[string, boolean, () => Promise<[DiscoveryCatalog, () => Promise<void>]>]> = [
  ['memory', true, async () => [new MemoryDiscoveryCatalog(), async () => undefined]],
  [
    'PGlite',
    true,
    async () => {
      const ledger = await openLedger()
      return [new SqlDiscoveryCatalog(ledger.sql), () => ledger.close()]
    },
  ],
  [
    'PostgreSQL',
    postgresAvailable,
    async () => {
      const ledger = await openLedger({ databaseUrl: postgresUrl, schema: uniqueSchema('disco') })
      return [new SqlDiscoveryCatalog(ledger.sql), () => ledger.close()]
    },
  ],
]

for (const [engine, available, open] of engines) {
  describe.runIf(available)(`discovery catalogue (${engine})`, () => {
    let catalog: DiscoveryCatalog
    let close: () => Promise<void>
    beforeAll(async () => {
      ;[catalog, close] = await open()
      await catalog.upsert(
        entry('https://weather.example/forecast', {
          description: 'Weather forecasts for any city',
          tags: ['Climate'],
          keywords: ['city'],
          lastUpdated: '2026-01-01T00:00:03.000Z',
        }),
      )
      await catalog.upsert(
        entry('https://news.example/headlines', {
          description: 'Top headlines',
          accepts: [requirements({ network: 'eip155:84532', payTo: merchant.toLowerCase() })],
          lastUpdated: '2026-01-01T00:00:02.000Z',
        }),
      )
      await catalog.upsert(
        entry('https://tools.example/mcp', {
          tool: 'stock_quote',
          description: 'Live stock quotes',
          keywords: ['stock_quote', 'ticker'],
          accepts: [
            requirements({
              scheme: 'upto',
              network: 'solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp',
              payTo: solanaMerchant,
            }),
          ],
          extensions: { bazaar: {}, 'sign-in-with-x': {} },
          lastUpdated: '2026-01-01T00:00:01.000Z',
        }),
      )
      await catalog.upsert(
        entry('https://tools.example/mcp', {
          tool: 'fx_rate',
          description: 'Currency exchange rates',
          keywords: ['fx_rate'],
          lastUpdated: '2026-01-01T00:00:00.000Z',
        }),
      )
    })
    afterAll(() => close?.())

    it('lists newest first, with the total', async () => {
      const listed = await catalog.list(page)
      expect(listed.total).toBe(4)
      expect(resources(listed.items)).toEqual([
        'https://weather.example/forecast',
        'https://news.example/headlines',
        'https://tools.example/mcp',
        'https://tools.example/mcp',
      ])
      expect(listed.items[0]).toEqual(
        entry('https://weather.example/forecast', {
          description: 'Weather forecasts for any city',
          tags: ['Climate'],
          lastUpdated: '2026-01-01T00:00:03.000Z',
        }).item,
      )
    })

    it('pages with limit and offset', async () => {
      const second = await catalog.list({ limit: 2, offset: 1 })
      expect(second.total).toBe(4)
      expect(resources(second.items)).toEqual([
        'https://news.example/headlines',
        'https://tools.example/mcp',
      ])
      expect(await catalog.list({ limit: 5, offset: 10 })).toEqual({ items: [], total: 4 })
    })

    it('filters by type, payTo, scheme, network and extension keys', async () => {
      const count = async (filters: object) => (await catalog.list({ ...page, ...filters })).total
      expect(await count({ type: 'mcp' })).toBe(2)
      expect(await count({ type: 'http' })).toBe(2)
      // Hex addresses compare case-insensitively; base58 ones exactly.
      expect(await count({ payTo: merchant.toUpperCase().replace('0X', '0x') })).toBe(3)
      expect(await count({ payTo: solanaMerchant })).toBe(1)
      expect(await count({ payTo: solanaMerchant.toLowerCase() })).toBe(0)
      expect(await count({ scheme: 'upto' })).toBe(1)
      expect(await count({ network: 'eip155:84532' })).toBe(1)
      expect(await count({ extensions: ['bazaar', 'sign-in-with-x'] })).toBe(1)
      expect(await count({ extensions: ['bazaar'] })).toBe(4)
      expect(await count({ type: 'http', network: 'eip155:8453' })).toBe(1)
    })

    it('replaces an entry with the same resource and tool, unless it is older', async () => {
      const url = 'https://replace.example/x'
      await catalog.upsert(
        entry(url, { description: 'first', lastUpdated: '2026-02-01T00:00:00.000Z' }),
      )
      await catalog.upsert(
        entry(url, { description: 'second', lastUpdated: '2026-02-02T00:00:00.000Z' }),
      )
      await catalog.upsert(
        entry(url, { description: 'stale', lastUpdated: '2026-01-15T00:00:00.000Z' }),
      )
      const listed = await catalog.list({ limit: 1, offset: 0 })
      expect(listed.total).toBe(5)
      expect(listed.items[0]).toMatchObject({ resource: url, description: 'second' })
      expect((await catalog.search({ terms: ['stale'], ...page })).items).toEqual([])
    })

    it('searches description, tags, URL words and keywords by word prefix', async () => {
      const found = async (...terms: string[]) =>
        resources((await catalog.search({ terms, ...page })).items)
      expect(await found('weather')).toEqual(['https://weather.example/forecast'])
      expect(await found('forecasts')).toEqual(['https://weather.example/forecast'])
      expect(await found('climate')).toEqual(['https://weather.example/forecast'])
      expect(await found('headl')).toEqual(['https://news.example/headlines'])
      expect(await found('ticker')).toEqual(['https://tools.example/mcp'])
      expect(await found('nothing', 'matches')).toEqual([])
    })

    it('ranks items matching more and weightier words first, and filters search too', async () => {
      const found = await catalog.search({ terms: ['stock', 'quotes', 'city'], ...page })
      expect(resources(found.items)).toEqual([
        'https://tools.example/mcp',
        'https://weather.example/forecast',
      ])
      const filtered = await catalog.search({ terms: ['stock', 'city'], type: 'http', ...page })
      expect(resources(filtered.items)).toEqual(['https://weather.example/forecast'])
    })

    it('pages search results and says whether more follow', async () => {
      const terms = ['example']
      const first = await catalog.search({ terms, limit: 2, offset: 0 })
      expect(first.items).toHaveLength(2)
      expect(first.more).toBe(true)
      const rest = await catalog.search({ terms, limit: 10, offset: 2 })
      expect(rest.more).toBe(false)
      expect(rest.items).toHaveLength(3)
      const all = [...first.items, ...rest.items].map((item) => JSON.stringify(item))
      expect(new Set(all).size).toBe(5)
    })

    it("keeps each network's latest offer of a resource paid on several", async () => {
      const url = 'https://multi.example/weather'
      const evm = requirements({ network: 'eip155:31337' })
      const solana = requirements({
        network: 'solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1',
        asset: 'DxEPHABPJhvNBNkBjJfSpFuyo6D3jkeK5NfcDsQzK5jE',
        payTo: solanaMerchant,
      })
      const at = (second: number) => `2026-03-01T00:00:0${second}.000Z`
      await catalog.upsert(entry(url, { accepts: [evm], description: 'v1', lastUpdated: at(1) }))
      await catalog.upsert(entry(url, { accepts: [solana], description: 'v2', lastUpdated: at(2) }))
      const offers = async () => {
        const found = await catalog.list({ ...page, network: solana.network })
        return found.items.find((item) => item.resource === url)
      }
      expect(await offers()).toMatchObject({ description: 'v2', accepts: [solana, evm] })
      // A later payment on EVM replaces the EVM offer only, and comes first.
      const repriced = { ...evm, amount: '2000' }
      await catalog.upsert(
        entry(url, { accepts: [repriced], description: 'v3', lastUpdated: at(3) }),
      )
      expect(await offers()).toMatchObject({ description: 'v3', accepts: [repriced, solana] })
      // An older write (another process, late) adds an offer it alone has, and changes no other.
      const optimism = requirements({ network: 'eip155:10' })
      await catalog.upsert(
        entry(url, { accepts: [optimism], description: 'late', lastUpdated: at(0) }),
      )
      await catalog.upsert(entry(url, { accepts: [evm], description: 'late', lastUpdated: at(0) }))
      expect(await offers()).toMatchObject({
        description: 'v3',
        lastUpdated: at(3),
        accepts: [repriced, solana, optimism],
      })
      expect(resources((await catalog.list({ ...page, network: 'eip155:10' })).items)).toEqual([
        url,
      ])
      expect(resources((await catalog.search({ terms: ['late'], ...page })).items)).toEqual([])
      expect(resources((await catalog.search({ terms: ['v3'], ...page })).items)).toEqual([url])
    })
  })
}
