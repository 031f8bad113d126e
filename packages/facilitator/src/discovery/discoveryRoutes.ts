/**
 * @module
 * `GET /discovery/resources` and `GET /discovery/search`, in the shapes the official
 * `@x402/extensions` bazaar client reads. Parameters are parsed with zod; a bad one answers 400
 * `{error: 'invalid_request', parameter, message}`, and a catalogue that cannot be read 503.
 * Unknown parameters are ignored, so newer clients keep working; empty values count as absent.
 */
import {
  type DiscoveryCatalog,
  type DiscoveryFilters,
  discoveryLimits,
  discoverySearchTerms,
  reasonOf,
  toCaip2,
} from '@tollgate/core'
import type { Context, Hono } from 'hono'
import { z } from 'zod'
import type { Logger } from '../logger.ts'

const limitSchema = z
  .string()
  .regex(/^[0-9]{1,3}$/, `must be a whole number from 1 to ${discoveryLimits.max}`)
  .transform(Number)
  .pipe(
    z
      .number()
      .min(1, `must be a whole number from 1 to ${discoveryLimits.max}`)
      .max(discoveryLimits.max, `must be a whole number from 1 to ${discoveryLimits.max}`),
  )
  .default(discoveryLimits.default)

const offsetMax = 1_000_000
const offsetSchema = z
  .string()
  .regex(/^[0-9]{1,7}$/, `must be a whole number from 0 to ${offsetMax}`)
  .transform(Number)
  .pipe(z.number().max(offsetMax, `must be a whole number from 0 to ${offsetMax}`))

const filterShape = {
  type: z.enum(['http', 'mcp'], { error: 'must be http or mcp' }).optional(),
  payTo: z.string().max(128, 'must be at most 128 characters').optional(),
  scheme: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, 'must be a scheme name such as exact')
    .optional(),
  network: z
    .string()
    .transform((value, context) => {
      const caip2 = toCaip2(value)
      if (caip2) return caip2
      context.addIssue({ code: 'custom', message: 'must be a CAIP-2 id such as eip155:8453' })
      return z.NEVER
    })
    .optional(),
  extensions: z
    .string()
    .max(256)
    .regex(/^[A-Za-z0-9_-]+(,[A-Za-z0-9_-]+)*$/, 'must be extension keys separated by commas')
    .transform((value) => [...new Set(value.split(','))])
    .optional(),
}

const listSchema = z.object({
  ...filterShape,
  limit: limitSchema,
  offset: offsetSchema.default(0),
})

/** The cursor is opaque to clients; inside it is the offset of the next page. */
const cursorSchema = z
  .string()
  .max(64)
  .transform((value, context) => {
    const match = /^o([0-9]{1,7})$/.exec(Buffer.from(value, 'base64url').toString('latin1'))
    if (match && Number(match[1]) <= offsetMax) return Number(match[1])
    context.addIssue({ code: 'custom', message: 'is not a cursor this facilitator gave out' })
    return z.NEVER
  })

const searchSchema = z.object({
  ...filterShape,
  query: z
    .string({ error: 'is required' })
    .max(256, 'must be at most 256 characters')
    .refine((value) => discoverySearchTerms(value).length > 0, 'must contain a word'),
  limit: limitSchema,
  cursor: cursorSchema.default(0),
})

const parameters = ['query', 'type', 'payTo', 'scheme', 'network', 'extensions', 'limit']

type Parsed<T> = { ok: true; value: T } | { ok: false; parameter: string; message: string }

function parseParameters<T>(
  schema: z.ZodType<T>,
  url: string,
  known: readonly string[],
): Parsed<T> {
  const params = new URL(url).searchParams
  const raw: Record<string, string> = {}
  for (const name of known) {
    const values = params.getAll(name)
    if (values.length > 1)
      return { ok: false, parameter: name, message: `${name} is given more than once` }
    if (values[0]) raw[name] = values[0]
  }
  const parsed = schema.safeParse(raw)
  if (parsed.success) return { ok: true, value: parsed.data }
  const issue = parsed.error.issues[0]
  const parameter = String(issue?.path[0] ?? 'query')
  return { ok: false, parameter, message: `${parameter} ${issue?.message ?? 'is invalid'}` }
}

function filtersOf(value: z.output<typeof listSchema> | z.output<typeof searchSchema>) {
  const filters: DiscoveryFilters = {}
  if (value.type) filters.type = value.type
  if (value.payTo) filters.payTo = value.payTo
  if (value.scheme) filters.scheme = value.scheme
  if (value.network) filters.network = value.network
  if (value.extensions) filters.extensions = value.extensions
  return filters
}

function invalid(c: Context, parsed: { parameter: string; message: string }) {
  return c.json(
    { error: reasonOf('REQUEST_INVALID'), parameter: parsed.parameter, message: parsed.message },
    400,
  )
}

/** Serves the catalogue's two read endpoints on `app`. */
export function serveDiscovery(app: Hono, catalog: DiscoveryCatalog, logger: Logger): void {
  const unavailable = (c: Context, error: unknown) => {
    logger.error({ err: error instanceof Error ? error.message : String(error) }, 'discovery read')
    return c.json(
      {
        error: reasonOf('CATALOG_UNAVAILABLE'),
        message: 'the discovery catalogue could not be read',
      },
      503,
    )
  }

  app.get('/discovery/resources', async (c) => {
    const parsed = parseParameters(listSchema, c.req.url, [...parameters.slice(1), 'offset'])
    if (!parsed.ok) return invalid(c, parsed)
    const { limit, offset } = parsed.value
    try {
      const { items, total } = await catalog.list({ ...filtersOf(parsed.value), limit, offset })
      return c.json({ x402Version: 2, items, pagination: { limit, offset, total } })
    } catch (error) {
      return unavailable(c, error)
    }
  })

  app.get('/discovery/search', async (c) => {
    const parsed = parseParameters(searchSchema, c.req.url, [...parameters, 'cursor'])
    if (!parsed.ok) return invalid(c, parsed)
    const { limit, cursor: offset, query } = parsed.value
    try {
      const terms = discoverySearchTerms(query)
      const found = await catalog.search({ ...filtersOf(parsed.value), terms, limit, offset })
      const next = found.more
        ? Buffer.from(`o${offset + limit}`, 'latin1').toString('base64url')
        : null
      return c.json({ x402Version: 2, resources: found.items, pagination: { limit, cursor: next } })
    } catch (error) {
      return unavailable(c, error)
    }
  })
}
