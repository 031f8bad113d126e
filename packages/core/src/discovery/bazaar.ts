/**
 * @module
 * The x402 `bazaar` discovery extension: what a resource server declares in its 402
 * (`extensions.bazaar = { info, schema, routeTemplate? }`) and the rules a facilitator checks
 * before it catalogues a declaration. A payload's copy comes from the buyer, who may have edited
 * it, so nothing here trusts it: `info` must take one of the spec's input forms, agree with the
 * declared JSON Schema, and a `routeTemplate` must be a plain path.
 */
import { z } from 'zod'
import { describeZodError } from '../wire/zodIssues.ts'

/** The extension's key in `extensions`. */
export const bazaarKey = 'bazaar'

const jsonObject = z.record(z.string(), z.unknown())
const queryMethods = ['GET', 'HEAD', 'DELETE'] as const
const bodyMethods = ['POST', 'PUT', 'PATCH'] as const
const bodyTypes = ['json', 'form-data', 'text'] as const

// Input objects are strict, as the schemas the official helpers emit are
// (`additionalProperties: false`): a GET input with a `bodyType` is no form at all.
const httpQueryInputSchema = z.strictObject({
  type: z.literal('http'),
  method: z.enum(queryMethods),
  queryParams: jsonObject.optional(),
  headers: z.record(z.string(), z.string()).optional(),
  pathParams: jsonObject.optional(),
})

const httpBodyInputSchema = z.strictObject({
  type: z.literal('http'),
  method: z.enum(bodyMethods),
  bodyType: z.enum(bodyTypes),
  body: z.union([jsonObject, z.string()]),
  queryParams: jsonObject.optional(),
  headers: z.record(z.string(), z.string()).optional(),
  pathParams: jsonObject.optional(),
})

/** The official helpers write `toolName`; the spec's summary calls it `tool`. Either is read. */
const mcpInputSchema = z
  .strictObject({
    type: z.literal('mcp'),
    toolName: z.string().min(1).max(128).optional(),
    tool: z.string().min(1).max(128).optional(),
    description: z.string().max(4096).optional(),
    transport: z.enum(['streamable-http', 'sse']).optional(),
    inputSchema: jsonObject,
    example: jsonObject.optional(),
  })
  .refine((input) => input.toolName !== undefined || input.tool !== undefined, {
    message: 'an MCP input names its tool in toolName',
    path: ['toolName'],
  })

const outputSchema = z.looseObject({
  type: z.string().max(64).optional(),
  format: z.string().max(64).optional(),
  example: z.unknown().optional(),
})

export const bazaarInfoSchema = z.looseObject({
  input: z.union([httpQueryInputSchema, httpBodyInputSchema, mcpInputSchema]),
  output: outputSchema.optional(),
})

export type BazaarInfo = z.output<typeof bazaarInfoSchema>
export type BazaarInput = BazaarInfo['input']

/** A declaration that passed every check. */
export interface BazaarDeclaration {
  info: BazaarInfo
  schema: Record<string, unknown>
  routeTemplate?: string | undefined
}

export type BazaarParseResult =
  | { ok: true; declaration: BazaarDeclaration }
  | { ok: false; errors: string[] }

const routeTemplatePattern = /^\/[a-zA-Z0-9_/:.\-~%]+$/
const routeTemplateLengthMax = 512
const decodePassesMax = 5
const schemaDepthMax = 32

/**
 * A dynamic route's template such as `/users/:userId`. Besides the character set, it must not
 * climb (`..`) or name another origin (`://`), even when percent-encoded, several times over.
 */
export function isValidRouteTemplate(value: unknown): value is string {
  if (typeof value !== 'string' || value.length > routeTemplateLengthMax) return false
  if (!routeTemplatePattern.test(value)) return false
  let decoded = value
  for (let pass = 0; ; pass++) {
    if (pass === decodePassesMax) return false
    let next: string
    try {
      next = decodeURIComponent(decoded)
    } catch {
      return false
    }
    if (next === decoded) break
    decoded = next
  }
  return !decoded.includes('..') && !decoded.includes('://')
}

/**
 * Checks a `bazaar` extension value from a payment payload: its `info` has one of the spec's
 * input forms and satisfies its own `schema` (JSON Schema 2020-12), and a `routeTemplate`, when
 * present, is a plain path. Never throws.
 */
export function parseBazaarExtension(value: unknown): BazaarParseResult {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return { ok: false, errors: ['the bazaar extension must be an object {info, schema}'] }
  const info: unknown = Reflect.get(value, 'info')
  const schema: unknown = Reflect.get(value, 'schema')
  const routeTemplate: unknown = Reflect.get(value, 'routeTemplate')
  const parsed = bazaarInfoSchema.safeParse(info)
  if (!parsed.success) return { ok: false, errors: [`info: ${describeZodError(parsed.error)}`] }
  if (routeTemplate !== undefined && !isValidRouteTemplate(routeTemplate))
    return { ok: false, errors: ['routeTemplate must be a path such as /users/:id'] }
  if (!isJsonObject(schema)) return { ok: false, errors: ['schema must be a JSON Schema object'] }
  const schemaErrors = checkInfoAgainstSchema(info, schema)
  if (schemaErrors) return { ok: false, errors: schemaErrors }
  return {
    ok: true,
    declaration: {
      info: parsed.data,
      schema,
      ...(routeTemplate === undefined ? {} : { routeTemplate }),
    },
  }
}

/** The tool an MCP input names, or undefined for HTTP. */
export function bazaarToolName(input: BazaarInput): string | undefined {
  return input.type === 'mcp' ? (input.toolName ?? input.tool) : undefined
}

function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/**
 * Evaluates the declared schema on `info` with zod's JSON Schema reader (no new dependency). It
 * reads leniently (a `required` name without a `properties` entry is not checked), so it catches
 * contradictions rather than everything Ajv would. External references are refused (nothing is
 * fetched), nesting is bounded, and `pattern` / `patternProperties` are left out: the buyer writes
 * both the regular expression and the text it runs on, so one could stall the process (ReDoS).
 */
function checkInfoAgainstSchema(info: unknown, schema: Record<string, unknown>) {
  const problem = schemaProblem(schema, 0)
  if (problem) return [`schema: ${problem}`]
  let validator: z.ZodType
  try {
    validator = z.fromJSONSchema(withoutPatterns(schema) as z.core.JSONSchema.JSONSchema)
  } catch (error) {
    return [`schema: ${error instanceof Error ? error.message : String(error)}`]
  }
  const checked = validator.safeParse(info)
  return checked.success
    ? undefined
    : [`info does not match schema: ${describeZodError(checked.error)}`]
}

function schemaProblem(node: unknown, depth: number): string | undefined {
  if (depth > schemaDepthMax) return `nested deeper than ${schemaDepthMax} levels`
  if (Array.isArray(node)) {
    for (const item of node) {
      const problem = schemaProblem(item, depth + 1)
      if (problem) return problem
    }
    return undefined
  }
  if (!isJsonObject(node)) return undefined
  for (const [key, value] of Object.entries(node)) {
    if ((key === '$ref' || key === '$id') && (typeof value !== 'string' || !value.startsWith('#')))
      return `${key} must be a local reference (#…)`
    const problem = schemaProblem(value, depth + 1)
    if (problem) return problem
  }
  return undefined
}

/** Keywords whose object keys are names (of properties, definitions), not schema keywords. */
const nameMaps = new Set(['properties', '$defs', 'definitions', 'dependentSchemas'])

function withoutPatterns(node: unknown, keysAreNames = false): unknown {
  if (Array.isArray(node)) return node.map((item) => withoutPatterns(item))
  if (!isJsonObject(node)) return node
  return Object.fromEntries(
    Object.entries(node)
      .filter(([key]) => keysAreNames || (key !== 'pattern' && key !== 'patternProperties'))
      .map(([key, value]) => [
        key,
        keysAreNames ? withoutPatterns(value) : withoutPatterns(value, nameMaps.has(key)),
      ]),
  )
}
