/**
 * Bazaar discovery end to end on the dev stack: the example API's 402 declares `/weather` the way
 * the official helpers would; a paid call through `wrapFetch` settles, and the facilitator then
 * lists the resource on `/discovery/resources` and finds it on `/discovery/search` (filters,
 * pages, 400s). The official `@x402/extensions` bazaar client reads both endpoints, and
 * `tollgate discover` prints what they answer.
 */
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { wrapFetch } from '@tollgate/client'
import { decodePaymentRequiredHeader, type PaymentPayload, paymentHeaders } from '@tollgate/core'
import { exactEvmClient } from '@tollgate/evm'
import { HTTPFacilitatorClient } from '@x402/core/server'
import {
  bazaarResourceServerExtension,
  declareDiscoveryExtension,
  extractDiscoveryInfo,
  withBazaar,
} from '@x402/extensions/bazaar'
import type { DevStack } from 'tollgate'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli, waitFor } from './support/cli.ts'
import {
  facilitatorBody,
  payerAccount,
  postFacilitator,
  signPayment,
  startTestStack,
  weatherRequirements,
} from './support/stack.ts'

let stack: DevStack
let weather: string
beforeAll(async () => {
  stack = await startTestStack()
  weather = `${stack.manifest.exampleApiUrl}/weather`
})
afterAll(() => stack?.stop())

async function discovery(path: string) {
  const response = await fetch(`${stack.manifest.facilitatorUrl}/discovery/${path}`)
  return { status: response.status, body: await response.json() }
}

/** Settles a signed payment for another resource, carrying the given bazaar declaration. */
async function settleFor(url: string, bazaar: unknown, description: string) {
  const requirements = weatherRequirements(stack.manifest)
  const payload: PaymentPayload = {
    ...(await signPayment(stack.manifest, requirements)),
    resource: { url, description },
    extensions: { bazaar },
  }
  const settled = await postFacilitator(
    stack.manifest,
    '/settle',
    facilitatorBody(payload, requirements),
  )
  expect(settled.body).toMatchObject({ success: true })
}

describe('the example API declares /weather', () => {
  it('in the shape the official helpers produce, which the official facilitator code reads', async () => {
    const answer = await fetch(`${weather}?city=Porto`)
    expect(answer.status).toBe(402)
    const required = decodePaymentRequiredHeader(answer.headers.get(paymentHeaders.required)!)
    const declared = declareDiscoveryExtension({
      input: { city: 'Lisbon' },
      inputSchema: { properties: { city: { type: 'string', description: 'City name' } } },
      output: {
        example: {
          city: 'Lisbon',
          temperatureC: 21,
          conditions: 'sunny',
          observedAt: '2026-01-01T12:00:00.000Z',
        },
        schema: {
          properties: {
            city: { type: 'string' },
            temperatureC: { type: 'number' },
            conditions: { type: 'string' },
            observedAt: { type: 'string' },
          },
        },
      },
    }).bazaar
    const context = {
      method: 'GET',
      routePattern: '/weather',
      adapter: { getPath: () => '/weather' },
    }
    expect(required.extensions?.bazaar).toEqual(
      bazaarResourceServerExtension.enrichDeclaration?.(declared, context),
    )
    // The payment a client echoes the declaration in, as the official facilitator receives it.
    const payload = JSON.parse(
      JSON.stringify({
        x402Version: 2,
        resource: required.resource,
        accepted: required.accepts[0],
        payload: {},
        extensions: required.extensions,
      }),
    )
    expect(extractDiscoveryInfo(payload, payload.accepted)).toMatchObject({
      resourceUrl: weather,
      method: 'GET',
      description: 'Current weather for a city',
    })
  })
})

describe('after a paid call', () => {
  beforeAll(async () => {
    const pay = wrapFetch(fetch, {
      schemes: [
        exactEvmClient({
          signer: payerAccount(stack.manifest),
          assets: { [stack.manifest.network]: stack.manifest.asset },
        }),
      ],
    })
    const paid = await pay(`${weather}?city=Porto`)
    expect(paid.status).toBe(200)
    await waitFor(
      async () => (await discovery('resources')).body.pagination?.total === 1,
      'the paid resource in the catalogue',
    )
  })

  it('lists the resource with what it accepts and its declaration', async () => {
    const listed = await discovery('resources')
    expect(listed.status).toBe(200)
    expect(listed.body).toMatchObject({
      x402Version: 2,
      pagination: { limit: 20, offset: 0, total: 1 },
      items: [
        {
          resource: weather,
          type: 'http',
          x402Version: 2,
          accepts: [weatherRequirements(stack.manifest)],
          description: 'Current weather for a city',
          mimeType: 'application/json',
          extensions: { bazaar: { info: { input: { type: 'http', method: 'GET' } } } },
        },
      ],
    })
    expect(Date.parse(listed.body.items[0].lastUpdated)).toBeGreaterThan(Date.now() - 60_000)
    const supported = await (await fetch(`${stack.manifest.facilitatorUrl}/supported`)).json()
    expect(supported.extensions).toContain('bazaar')
  })

  it('finds it by words of its description, URL and parameters', async () => {
    for (const query of ['weather', 'current+weather', 'city', 'forecast+weather', 'weath']) {
      const found = await discovery(`search?query=${query}`)
      expect(found.body, query).toMatchObject({
        x402Version: 2,
        resources: [{ resource: weather }],
        pagination: { limit: 20, cursor: null },
      })
    }
    expect((await discovery('search?query=stocks')).body.resources).toEqual([])
  })

  it('filters and pages over several resources', async () => {
    const origin = stack.manifest.exampleApiUrl
    await settleFor(
      `${origin}/forecast/tuesday`,
      {
        info: { input: { type: 'http', method: 'GET', pathParams: { day: 'tuesday' } } },
        schema: { type: 'object' },
        routeTemplate: '/forecast/:day',
      },
      'Weather forecast for a day',
    )
    await settleFor(
      'https://tools.example/mcp',
      {
        info: { input: { type: 'mcp', toolName: 'stock_quote', inputSchema: { type: 'object' } } },
        schema: { type: 'object' },
      },
      'Live stock quotes',
    )
    await waitFor(
      async () => (await discovery('resources')).body.pagination.total === 3,
      'three catalogued resources',
    )
    const total = async (query: string) =>
      (await discovery(`resources?${query}`)).body.pagination.total
    expect(await total('type=mcp')).toBe(1)
    expect(await total('type=http')).toBe(2)
    expect(await total(`network=${stack.manifest.network}&scheme=exact`)).toBe(3)
    expect(await total(`payTo=${stack.manifest.accounts.merchant.address.toLowerCase()}`)).toBe(3)
    expect(await total('payTo=0x0000000000000000000000000000000000000001')).toBe(0)
    expect(await total('extensions=bazaar')).toBe(3)
    expect(await total('network=eip155:8453')).toBe(0)

    const page = await discovery('resources?limit=2&offset=2')
    expect(page.body.items).toHaveLength(1)
    expect(page.body.pagination).toEqual({ limit: 2, offset: 2, total: 3 })
    expect(
      (await discovery('resources?limit=1')).body.items.map(
        (i: { resource: string }) => i.resource,
      ),
    ).toEqual(['https://tools.example/mcp'])

    const first = await discovery('search?query=weather&limit=1')
    expect(first.body.resources).toHaveLength(1)
    const next = await discovery(
      `search?query=weather&limit=1&cursor=${first.body.pagination.cursor}`,
    )
    expect(next.body.pagination.cursor).toBeNull()
    const pages = [...first.body.resources, ...next.body.resources]
    expect(pages.map((r: { resource: string }) => r.resource).sort()).toEqual(
      [`${origin}/forecast/:day`, weather].sort(),
    )
    expect((await discovery('search?query=stock&type=http')).body.resources).toEqual([])
  })

  it('answers 400 naming a bad parameter', async () => {
    for (const [path, parameter] of [
      ['resources?limit=500', 'limit'],
      ['resources?offset=x', 'offset'],
      ['resources?network=nowhere', 'network'],
      ['search?type=http', 'query'],
      ['search?query=x&cursor=nope', 'cursor'],
    ]) {
      const answer = await discovery(path!)
      expect(answer.status, path).toBe(400)
      expect(answer.body, path).toMatchObject({ error: 'invalid_request', parameter })
    }
  })

  it('is read by the official @x402/extensions bazaar client', async () => {
    const client = withBazaar(new HTTPFacilitatorClient({ url: stack.manifest.facilitatorUrl }))
    const listed = await client.extensions.bazaar.listResources({ type: 'http', limit: 1 })
    expect(listed.pagination).toEqual({ limit: 1, offset: 0, total: 2 })
    expect(listed.items[0]?.accepts[0]).toEqual(weatherRequirements(stack.manifest))
    const found = await client.extensions.bazaar.search({
      query: 'weather',
      network: stack.manifest.network,
    })
    expect(found.resources.map((resource) => resource.resource)).toContain(weather)
    expect(found.pagination).toEqual({ limit: 20, cursor: null })
    await expect(client.extensions.bazaar.search({ query: '' })).rejects.toThrow(
      /searchDiscoveryResources failed \(400\).*query is required/,
    )
  })
})

describe('tollgate discover', () => {
  it('prints what the facilitator finds, as JSON or as a table', async () => {
    const facilitator = ['--facilitator-url', stack.manifest.facilitatorUrl]
    const json = await runCli(['discover', 'weather', '--json', '--type', 'http', ...facilitator])
    expect(json.code).toBe(0)
    const resources = JSON.parse(json.stdout) as Array<{ resource: string }>
    expect(resources.map((resource) => resource.resource)).toContain(weather)

    // Without --facilitator-url: the one named in ./.tollgate/dev.json.
    const project = await mkdtemp(join(tmpdir(), 'tollgate-discover-'))
    await mkdir(join(project, '.tollgate'))
    await writeFile(join(project, '.tollgate', 'dev.json'), JSON.stringify(stack.manifest))
    const table = await runCli(['discover', 'current weather', '--limit', '1'], { cwd: project })
    expect(table.code).toBe(0)
    const [header, row] = table.stdout.trim().split('\n')
    expect(header).toMatch(/^RESOURCE\s+TYPE\s+PRICE\s+NETWORK\s+DESCRIPTION\s+UPDATED \(UTC\)$/)
    expect(row).toContain(weather)
    expect(row).toContain('0.001 USDC')
    expect(row).toContain('Current weather for a city')

    const none = await runCli(['discover', 'submarine', ...facilitator])
    expect(none.code).toBe(0)
    expect(none.stdout).toBe('')
    expect(none.stderr).toContain('nothing catalogued matches "submarine"')
  })

  it('says what went wrong when nothing answers or the answer is a refusal', async () => {
    const nobody = await runCli(['discover', 'weather', '--facilitator-url', 'http://127.0.0.1:1'])
    expect(nobody.code).toBe(1)
    // Port 1 is one fetch refuses to dial: the line names the URL and that cause.
    expect(nobody.stderr).toContain('error: cannot reach http://127.0.0.1:1: bad port')
    const notOne = await runCli([
      'discover',
      'weather',
      '--facilitator-url',
      stack.manifest.exampleApiUrl,
    ])
    expect(notOne.code).toBe(1)
    expect(notOne.stderr).toContain(`${stack.manifest.exampleApiUrl} does not serve discovery`)
    const refused = await runCli([
      'discover',
      '?!',
      '--facilitator-url',
      stack.manifest.facilitatorUrl,
    ])
    expect(refused.code).toBe(1)
    expect(refused.stderr).toContain('answered HTTP 400: query must contain a word')
    const badLimit = await runCli(['discover', 'weather', '--limit', '0'])
    expect(badLimit.code).toBe(1)
    expect(badLimit.stderr).toContain('0 is not a number from 1 to 100')
  })
})
