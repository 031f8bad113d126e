/**
 * Discovery in the facilitator, in-process (`app.request`) around the recording fake scheme:
 * a settled payment's declaration reaches `/discovery/resources` and `/discovery/search`; a bad
 * declaration, a failed settlement or a broken catalogue never changes a settlement's answer;
 * and every bad query parameter gets a 400 naming it.
 */
import type { DiscoveryCatalog } from '@tollgate/core'
import { describe, expect, it } from 'vitest'
import { FakeScheme, otherNetwork, paymentBody, post } from '../../test/fakeScheme.ts'
import { createFacilitatorApp } from '../app.ts'
import { Facilitator } from '../facilitator.ts'
import type { Logger } from '../logger.ts'
import { MemoryDiscoveryCatalog } from './memoryCatalog.ts'

const bazaar = {
  info: { input: { type: 'http', method: 'GET', queryParams: { city: 'Lisbon' } } },
  schema: { type: 'object' },
}

function recordingLogger() {
  const lines: Array<{ level: string; message: string; fields: Record<string, unknown> }> = []
  const at =
    (level: string) =>
    (fields: Record<string, unknown>, message: string): void => {
      lines.push({ level, message, fields })
    }
  const logger: Logger = { info: at('info'), warn: at('warn'), error: at('error') }
  return { logger, lines }
}

function setup(catalog: DiscoveryCatalog = new MemoryDiscoveryCatalog()) {
  const { logger, lines } = recordingLogger()
  const scheme = new FakeScheme()
  const facilitator = new Facilitator({ schemes: [scheme], logger, catalog })
  return { scheme, facilitator, app: createFacilitatorApp(facilitator), lines }
}

function paidBody(extensions: Record<string, unknown>, url = 'https://api.example/weather?x=1') {
  const body = paymentBody()
  Object.assign(body.paymentPayload, {
    resource: { url, description: 'Current weather' },
    extensions,
  })
  return body
}

async function get(app: ReturnType<typeof setup>['app'], path: string) {
  const response = await app.request(path)
  return { status: response.status, body: await response.json() }
}

describe('discovery in the facilitator', () => {
  it('catalogues a settled payment and serves it from both endpoints', async () => {
    const { app, facilitator } = setup()
    expect((await post(app, '/settle', paidBody({ bazaar }))).body).toMatchObject({ success: true })
    await facilitator.idle()
    const listed = await get(app, '/discovery/resources')
    expect(listed).toEqual({
      status: 200,
      body: {
        x402Version: 2,
        items: [
          {
            resource: 'https://api.example/weather',
            type: 'http',
            x402Version: 2,
            accepts: [paidBody({}).paymentRequirements],
            lastUpdated: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
            description: 'Current weather',
            extensions: { bazaar },
          },
        ],
        pagination: { limit: 20, offset: 0, total: 1 },
      },
    })
    const found = await get(app, '/discovery/search?query=weather+forecast&limit=5')
    expect(found.body).toEqual({
      x402Version: 2,
      resources: listed.body.items,
      pagination: { limit: 5, cursor: null },
    })
    expect((await get(app, '/supported')).body.extensions).toEqual(['payment-identifier', 'bazaar'])
  })

  it('lists the offer of each network a resource was paid on, however close together', async () => {
    const { app, facilitator } = setup()
    const other = paidBody({ bazaar })
    other.paymentRequirements.network = otherNetwork
    other.paymentPayload.accepted = other.paymentRequirements
    // Both wait in the queue together: neither network's payment may hide the other's.
    await Promise.all([post(app, '/settle', paidBody({ bazaar })), post(app, '/settle', other)])
    await facilitator.idle()
    const { items } = (await get(app, '/discovery/resources')).body
    expect(items).toHaveLength(1)
    const networks = items[0].accepts.map((offer: { network: string }) => offer.network)
    expect(networks.sort()).toEqual([paidBody({}).paymentRequirements.network, otherNetwork].sort())
  })

  it('settles as usual when the declaration is bad, and logs why it is not listed', async () => {
    const { app, facilitator, lines } = setup()
    const bad = { bazaar: { ...bazaar, routeTemplate: '/../admin' } }
    const settled = await post(app, '/settle', paidBody(bad))
    expect(settled).toMatchObject({ status: 200, body: { success: true } })
    await facilitator.idle()
    expect((await get(app, '/discovery/resources')).body.items).toEqual([])
    expect(lines).toContainEqual(
      expect.objectContaining({ level: 'warn', message: 'bazaar declaration not catalogued' }),
    )
  })

  it('catalogues nothing for a failed settlement', async () => {
    const { app, facilitator, scheme } = setup()
    scheme.settle = async (_payload, requirements) => ({
      success: false,
      errorReason: 'insufficient_funds',
      transaction: '',
      network: requirements.network,
    })
    expect((await post(app, '/settle', paidBody({ bazaar }))).body.success).toBe(false)
    await facilitator.idle()
    expect((await get(app, '/discovery/resources')).body.pagination.total).toBe(0)
  })

  it('answers the settlement when the catalogue fails, and logs the failure', async () => {
    const broken: DiscoveryCatalog = {
      upsert: () => Promise.reject(new Error('disk full')),
      list: () => Promise.reject(new Error('disk full')),
      search: () => Promise.reject(new Error('disk full')),
    }
    const { app, facilitator, lines } = setup(broken)
    expect((await post(app, '/settle', paidBody({ bazaar }))).body.success).toBe(true)
    await facilitator.idle()
    expect(lines).toContainEqual(
      expect.objectContaining({ level: 'error', message: 'discovery catalogue write failed' }),
    )
    const unavailable = await get(app, '/discovery/resources')
    expect(unavailable).toEqual({
      status: 503,
      body: { error: 'catalog_unavailable', message: 'the discovery catalogue could not be read' },
    })
    expect((await get(app, '/discovery/search?query=x')).status).toBe(503)
  })

  it('answers 400 naming the parameter for every bad one', async () => {
    const { app } = setup()
    const cases: Array<[string, string]> = [
      ['/discovery/resources?limit=0', 'limit'],
      ['/discovery/resources?limit=101', 'limit'],
      ['/discovery/resources?limit=ten', 'limit'],
      ['/discovery/resources?limit=5&limit=6', 'limit'],
      ['/discovery/resources?offset=-1', 'offset'],
      ['/discovery/resources?offset=1.5', 'offset'],
      ['/discovery/resources?type=grpc', 'type'],
      ['/discovery/resources?network=mainnet-ish', 'network'],
      ['/discovery/resources?scheme=ex%20act', 'scheme'],
      [`/discovery/resources?payTo=${'a'.repeat(129)}`, 'payTo'],
      ['/discovery/resources?extensions=a,,b', 'extensions'],
      ['/discovery/search', 'query'],
      ['/discovery/search?query=', 'query'],
      ['/discovery/search?query=%21%3F', 'query'],
      [`/discovery/search?query=${'w'.repeat(257)}`, 'query'],
      ['/discovery/search?query=x&cursor=bogus', 'cursor'],
      ['/discovery/search?query=x&limit=1000', 'limit'],
    ]
    for (const [path, parameter] of cases) {
      const answer = await get(app, path)
      expect(answer.status, path).toBe(400)
      expect(answer.body, path).toMatchObject({ error: 'invalid_request', parameter })
      expect(answer.body.message, path).toMatch(new RegExp(`^${parameter} `))
    }
  })

  it('reads v1 network names, ignores unknown parameters and pages search with a cursor', async () => {
    const { app, facilitator } = setup()
    for (const path of ['/a', '/b', '/c'])
      await post(app, '/settle', paidBody({ bazaar }, `https://api.example${path}`))
    await facilitator.idle()
    const base = await get(app, '/discovery/resources?network=base-sepolia&future=1&type=')
    expect(base.body.pagination).toEqual({ limit: 20, offset: 0, total: 3 })
    const first = await get(app, '/discovery/search?query=api&limit=2')
    expect(first.body.resources).toHaveLength(2)
    const cursor = first.body.pagination.cursor
    expect(cursor).toEqual(expect.any(String))
    const second = await get(app, `/discovery/search?query=api&limit=2&cursor=${cursor}`)
    expect(second.body.resources).toHaveLength(1)
    expect(second.body.pagination.cursor).toBeNull()
  })
})
