/**
 * What a settled payment's `bazaar` declaration becomes in the catalogue: the resource URL
 * without the buyer's query (or with the route template), sanitised metadata, and only the
 * `bazaar` extension. Declarations that fail a check, v1 payments and payments without a usable
 * resource make no entry, and say why.
 */
import type { PaymentPayload, PaymentRequirements } from '@tollgate/core'
import { describe, expect, it } from 'vitest'
import { catalogueEntry } from './catalogueEntry.ts'

const requirements: PaymentRequirements = {
  scheme: 'exact',
  network: 'eip155:8453',
  amount: '1000',
  asset: '0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913',
  payTo: '0x209693Bc6afc0C5328bA36FaF03C514EF312287C',
  maxTimeoutSeconds: 300,
}
const now = new Date('2026-03-01T12:00:00.000Z')
const bazaar = {
  info: { input: { type: 'http', method: 'GET', queryParams: { city: 'Lisbon' } } },
  schema: { type: 'object' },
}

function payload(change: Partial<PaymentPayload> = {}): PaymentPayload {
  return {
    x402Version: 2,
    resource: { url: 'https://api.example/weather?city=Lisbon', description: 'Weather' },
    accepted: requirements,
    payload: { signature: '0x' },
    extensions: { bazaar, 'payment-identifier': { info: { id: 'pay_secret_0123456789' } } },
    ...change,
  }
}

describe('catalogueEntry', () => {
  it('keys an HTTP resource by origin and path and keeps only the bazaar extension', () => {
    expect(catalogueEntry(payload(), requirements, now)).toEqual({
      ok: true,
      entry: {
        tool: '',
        keywords: ['city'],
        item: {
          resource: 'https://api.example/weather',
          type: 'http',
          x402Version: 2,
          accepts: [requirements],
          lastUpdated: '2026-03-01T12:00:00.000Z',
          description: 'Weather',
          extensions: { bazaar },
        },
      },
    })
  })

  it('uses a valid route template in place of the concrete path', () => {
    const extensions = { bazaar: { ...bazaar, routeTemplate: '/users/:id' } }
    const result = catalogueEntry(
      payload({ resource: { url: 'https://api.example/users/42?x=1' }, extensions }),
      requirements,
      now,
    )
    expect(result).toMatchObject({
      ok: true,
      entry: { item: { resource: 'https://api.example/users/:id' } },
    })
  })

  it('keys an MCP tool by server URL and tool name', () => {
    const info = {
      input: { type: 'mcp', toolName: 'quote', description: 'Stock quotes', inputSchema: {} },
    }
    const result = catalogueEntry(
      payload({
        resource: { url: 'mcp://tools.example/mcp' },
        extensions: { bazaar: { info, schema: {} } },
      }),
      requirements,
      now,
    )
    expect(result).toMatchObject({
      ok: true,
      entry: {
        tool: 'quote',
        keywords: ['quote', 'Stock quotes'],
        item: { resource: 'mcp://tools.example/mcp', type: 'mcp' },
      },
    })
  })

  it('keeps sane service names, tags and icons and drops the others', () => {
    const resource = {
      url: 'https://api.example/weather',
      serviceName: 'Weather Co',
      tags: ['weather', 'Weather', 'x'.repeat(40), 'tag\u0007', 'a', 'b', 'c', 'd'],
      iconUrl: 'https://cdn.example/icon.png',
    }
    const result = catalogueEntry(payload({ resource }), requirements, now)
    expect(result).toMatchObject({
      ok: true,
      entry: {
        item: {
          serviceName: 'Weather Co',
          tags: ['weather', 'a', 'b', 'c', 'd'],
          iconUrl: 'https://cdn.example/icon.png',
        },
      },
    })
    for (const iconUrl of [
      'http://127.0.0.1/icon.png',
      'http://localhost:8080/i.png',
      'http://[::1]/i.png',
      'javascript:alert(1)',
      'https://user:pass@cdn.example/i.png',
    ]) {
      const icon = catalogueEntry(
        payload({ resource: { ...resource, iconUrl } }),
        requirements,
        now,
      )
      expect(icon.ok && icon.entry.item.iconUrl, iconUrl).toBeUndefined()
    }
    const long = catalogueEntry(
      payload({ resource: { ...resource, serviceName: 'n'.repeat(33) } }),
      requirements,
      now,
    )
    expect(long.ok && long.entry.item.serviceName).toBeUndefined()
  })

  it('makes no entry, with the reason, for what it cannot catalogue', () => {
    const reasonOf = (change: Partial<PaymentPayload>) => {
      const result = catalogueEntry(payload(change), requirements, now)
      return result.ok ? 'catalogued' : result.reason
    }
    expect(reasonOf({ extensions: {} })).toBe('no bazaar declaration')
    expect(reasonOf({ x402Version: 1 })).toBe('a v1 payment carries no extensions')
    expect(
      reasonOf({ extensions: { bazaar: { info: { input: { type: 'http' } }, schema: {} } } }),
    ).toBe('invalid bazaar declaration')
    expect(
      reasonOf({ extensions: { bazaar: { ...bazaar, routeTemplate: '/%2e%2e/admin' } } }),
    ).toBe('invalid bazaar declaration')
    const { resource: _, ...withoutResource } = payload()
    expect(catalogueEntry(withoutResource, requirements, now)).toMatchObject({
      ok: false,
      reason: 'the payment names no resource',
    })
    for (const url of ['/weather', 'ftp://api.example/weather', 'https://u:p@api.example/w'])
      expect(reasonOf({ resource: { url } }), url).toBe(
        'the resource URL is not an absolute http(s) URL',
      )
  })
})
