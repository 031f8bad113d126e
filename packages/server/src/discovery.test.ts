/**
 * A route's `bazaar` declaration is exactly what the official `@x402/extensions` helpers make:
 * `declareDiscoveryExtension(config)`, enriched per request by `bazaarResourceServerExtension`
 * with the method, and for dynamic routes the template and path parameters. Each case builds
 * both and compares them whole; the official validator then accepts ours.
 */
import {
  bazaarResourceServerExtension,
  type DeclareDiscoveryExtensionInput,
  declareDiscoveryExtension,
  validateDiscoveryExtension,
} from '@x402/extensions/bazaar'
import { describe, expect, it } from 'vitest'
import { bazaarExtension, compileDiscovery, type RouteDiscovery } from './discovery.ts'
import { compileRoutes } from './routes.ts'

function official(
  config: RouteDiscovery,
  method: string,
  routePattern: string,
  path: string,
): unknown {
  const declared = declareDiscoveryExtension(config as DeclareDiscoveryExtensionInput).bazaar
  const context = { method, routePattern, adapter: { getPath: () => path } }
  return bazaarResourceServerExtension.enrichDeclaration?.(declared, context)
}

function ours(config: RouteDiscovery, method: string, routePattern: string, path: string) {
  return bazaarExtension(compileDiscovery('test', method, routePattern, config), method, path)
}

const cases: Array<[string, RouteDiscovery, string, string, string]> = [
  ['a GET route with nothing declared', {}, 'GET', '/weather', '/weather'],
  [
    'a GET route with query parameters, their schema and an output example',
    {
      input: { city: 'Lisbon' },
      inputSchema: { properties: { city: { type: 'string' } }, required: ['city'] },
      output: {
        example: { city: 'Lisbon', temperatureC: 21 },
        schema: { properties: { temperatureC: { type: 'number' } } },
      },
    },
    'GET',
    '/weather',
    '/weather',
  ],
  [
    'a POST route with a JSON body',
    {
      bodyType: 'json',
      input: { text: 'hello' },
      inputSchema: { properties: { text: { type: 'string' } }, required: ['text'] },
      output: { example: { summary: 'hi' } },
    },
    'POST',
    '/summarise',
    '/summarise',
  ],
  ['a DELETE route with :param', {}, 'DELETE', '/users/:userId', '/users/42'],
  [
    'a GET route with [param] segments',
    {},
    'GET',
    '/shops/[shop]/items/[item]',
    '/shops/a/items/b',
  ],
  ['a GET route with a * segment', {}, 'GET', '/files/*', '/files/report.pdf'],
  ['a GET route of wildcards only', {}, 'GET', '/*', '/anything'],
  [
    'a PUT route with a path parameter schema',
    {
      bodyType: 'form-data',
      pathParamsSchema: { properties: { id: { type: 'string' } } },
    },
    'PUT',
    '/items/:id',
    '/items/7',
  ],
]

describe('bazaar declaration of a route', () => {
  for (const [name, config, method, pattern, path] of cases) {
    it(`matches the official helpers for ${name}`, () => {
      const mine = ours(config, method, pattern, path)
      expect(mine).toEqual(official(config, method, pattern, path))
      // Through JSON, as the official facilitator receives it.
      expect(validateDiscoveryExtension(JSON.parse(JSON.stringify(mine)))).toEqual({ valid: true })
    })
  }

  it('percent-decodes path parameters and leaves them out when the path does not fit', () => {
    const compiled = compileDiscovery('GET /u/:name', 'GET', '/u/:name', {})
    expect(bazaarExtension(compiled, 'GET', '/u/Jos%C3%A9')).toMatchObject({
      info: { input: { pathParams: { name: 'José' } } },
      routeTemplate: '/u/:name',
    })
    expect(bazaarExtension(compiled, 'GET', '/u/a/b')).toMatchObject({
      info: { input: { pathParams: {} } },
    })
  })

  it('takes the method of the request on a route without a verb, and none that does not fit', () => {
    const compiled = compileDiscovery('/search', undefined, '/search', { bodyType: 'json' })
    expect(bazaarExtension(compiled, 'patch', '/search')).toMatchObject({
      info: { input: { method: 'PATCH', bodyType: 'json' } },
    })
    expect(bazaarExtension(compiled, 'GET', '/search')).toBeUndefined()
  })

  it('refuses at start-up a body type on a query method, and a body route without one', () => {
    const route = { price: '$0.01', network: 'eip155:8453', payTo: '0x1' }
    expect(() =>
      compileRoutes({ 'GET /x': { ...route, discovery: { bodyType: 'json' } } }),
    ).toThrow(/discovery with bodyType does not fit GET/)
    expect(() => compileRoutes({ 'POST /x': { ...route, discovery: {} } })).toThrow(
      /discovery without bodyType does not fit POST/,
    )
  })
})
