/**
 * The checks a facilitator runs on a buyer-supplied `bazaar` declaration before cataloguing it:
 * the spec's three input forms, agreement with the declared schema, and route templates that
 * stay plain paths however they are encoded. Good declarations pass; each bad one is refused
 * with a message naming what is wrong.
 */
import { describe, expect, it } from 'vitest'
import { isValidRouteTemplate, parseBazaarExtension } from './bazaar.ts'
import { discoverySearchTerms, discoveryUrlWords } from './catalog.ts'

const httpSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  properties: {
    input: {
      type: 'object',
      properties: {
        type: { type: 'string', const: 'http' },
        method: { type: 'string', enum: ['GET'] },
        queryParams: { type: 'object', properties: { city: { type: 'string' } } },
      },
      required: ['type', 'method'],
    },
  },
  required: ['input'],
}
const getInfo = { input: { type: 'http', method: 'GET', queryParams: { city: 'Lisbon' } } }
const open = { type: 'object' }

function errorsOf(value: unknown): string {
  const result = parseBazaarExtension(value)
  if (result.ok) throw new Error('expected the declaration to be refused')
  return result.errors.join('; ')
}

describe('parseBazaarExtension', () => {
  it('accepts the three input forms', () => {
    expect(parseBazaarExtension({ info: getInfo, schema: httpSchema })).toMatchObject({
      ok: true,
      declaration: { info: getInfo },
    })
    const post = {
      input: { type: 'http', method: 'POST', bodyType: 'json', body: { q: 'x' } },
      output: { type: 'json', example: { ok: true } },
    }
    expect(parseBazaarExtension({ info: post, schema: open }).ok).toBe(true)
    const text = { input: { type: 'http', method: 'PUT', bodyType: 'text', body: 'plain' } }
    expect(parseBazaarExtension({ info: text, schema: open }).ok).toBe(true)
    const mcp = {
      input: { type: 'mcp', toolName: 'quote', transport: 'sse', inputSchema: { type: 'object' } },
    }
    expect(parseBazaarExtension({ info: mcp, schema: open }).ok).toBe(true)
    const spelledTool = { input: { type: 'mcp', tool: 'quote', inputSchema: {} } }
    expect(parseBazaarExtension({ info: spelledTool, schema: open }).ok).toBe(true)
  })

  it('refuses inputs outside the forms', () => {
    const refuse = (input: unknown) => errorsOf({ info: { input }, schema: open })
    expect(refuse({ type: 'http', queryParams: {} })).toContain('input')
    expect(refuse({ type: 'http', method: 'GET', bodyType: 'json', body: {} })).toContain('input')
    expect(refuse({ type: 'http', method: 'POST', body: {} })).toContain('input')
    expect(refuse({ type: 'http', method: 'POST', bodyType: 'xml', body: {} })).toContain('input')
    expect(refuse({ type: 'http', method: 'TRACE' })).toContain('input')
    expect(refuse({ type: 'mcp', inputSchema: {} })).toContain('input')
    expect(refuse({ type: 'mcp', toolName: 'x' })).toContain('input')
    expect(refuse({ type: 'grpc', method: 'GET' })).toContain('input')
    expect(errorsOf({ info: {}, schema: open })).toContain('info')
    expect(errorsOf('bazaar')).toContain('must be an object')
    expect(errorsOf({ info: getInfo })).toContain('schema must be a JSON Schema object')
  })

  // zod reads JSON Schema leniently (e.g. `required` names without `properties` are not
  // checked), so this catches contradictions, not every one Ajv would.
  it('refuses info that its own schema does not describe', () => {
    const post = { input: { type: 'http', method: 'DELETE', queryParams: { city: 'Lisbon' } } }
    expect(errorsOf({ info: post, schema: httpSchema })).toContain('info does not match schema')
    const strict = structuredClone(httpSchema)
    Object.assign(strict.properties.input.properties.queryParams, {
      properties: { city: { type: 'string' }, zip: { type: 'string' } },
      required: ['zip'],
    })
    expect(errorsOf({ info: getInfo, schema: strict })).toContain('does not match')
  })

  it('refuses schemas that reach outside, nest without end, or do not parse', () => {
    const external = { ...httpSchema, $ref: 'https://evil.example/schema.json' }
    expect(errorsOf({ info: getInfo, schema: external })).toContain('$ref must be a local')
    expect(errorsOf({ info: getInfo, schema: { $id: 'https://x.example/s' } })).toContain('$id')
    let deep: Record<string, unknown> = { type: 'object' }
    for (let level = 0; level < 40; level++) deep = { type: 'object', properties: { a: deep } }
    expect(errorsOf({ info: getInfo, schema: deep })).toContain('nested deeper')
  })

  it('never runs a pattern from the schema, so a catastrophic one cannot stall it', () => {
    const started = performance.now()
    const info = {
      input: { type: 'http', method: 'GET', queryParams: { q: `${'a'.repeat(40)}!` } },
    }
    const schema = {
      type: 'object',
      properties: {
        input: {
          type: 'object',
          properties: {
            queryParams: { properties: { q: { type: 'string', pattern: '^(a+)+$' } } },
          },
        },
      },
    }
    expect(parseBazaarExtension({ info, schema }).ok).toBe(true)
    expect(performance.now() - started).toBeLessThan(1_000)
    // A parameter called `pattern` is a name, not the keyword, and stays described.
    const named = {
      type: 'object',
      properties: {
        input: {
          type: 'object',
          properties: {
            queryParams: {
              type: 'object',
              properties: { pattern: { type: 'number' } },
              required: ['pattern'],
            },
          },
        },
      },
    }
    const withName = { input: { type: 'http', method: 'GET', queryParams: { pattern: 'x' } } }
    expect(errorsOf({ info: withName, schema: named })).toContain('does not match')
  })

  it('checks a route template when one is given', () => {
    const declaration = { info: getInfo, schema: httpSchema }
    expect(parseBazaarExtension({ ...declaration, routeTemplate: '/users/:id' })).toMatchObject({
      ok: true,
      declaration: { routeTemplate: '/users/:id' },
    })
    expect(errorsOf({ ...declaration, routeTemplate: '/users/../admin' })).toContain(
      'routeTemplate',
    )
  })
})

describe('isValidRouteTemplate', () => {
  it('takes plain paths with parameters', () => {
    for (const template of ['/users/:userId', '/a/b-c/d_e/~f/g.h', '/files/%20name', '/:var1'])
      expect(isValidRouteTemplate(template), template).toBe(true)
  })

  it('refuses climbing, other origins and odd characters, however encoded', () => {
    for (const template of [
      '',
      'users/:id',
      '/',
      '/users/../admin',
      '/users/%2e%2e/admin',
      '/users/%252e%252e/admin',
      '/redirect/http%3A%2F%2Fevil.example',
      '/a/http:%2F%2Fevil',
      '/users/<script>',
      '/users?id=1',
      '/bad%zz',
      `/${'%25'.repeat(6)}2e`,
      `/${'a'.repeat(600)}`,
      42,
    ])
      expect(isValidRouteTemplate(template), String(template)).toBe(false)
  })
})

describe('search words', () => {
  it('splits a query into distinct lower-case words, at most 16', () => {
    expect(discoverySearchTerms('Weather in LISBON, weather!')).toEqual(['weather', 'in', 'lisbon'])
    expect(discoverySearchTerms('*:&|!()')).toEqual([])
    expect(
      discoverySearchTerms(Array.from({ length: 30 }, (_, i) => `w${i}`).join(' ')),
    ).toHaveLength(16)
  })

  it('takes host labels and path segments from a resource URL', () => {
    expect(discoveryUrlWords('https://api.example.com/v1/weather-now?city=x')).toEqual([
      'api',
      'example',
      'com',
      'v1',
      'weather',
      'now',
    ])
  })
})
