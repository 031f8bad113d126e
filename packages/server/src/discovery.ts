/**
 * @module
 * A route's `bazaar` discovery declaration, as the 402 carries it in `extensions.bazaar`. The
 * shape is the one the official `@x402/extensions` helpers produce (`declareDiscoveryExtension`,
 * then the resource-server enrichment): `info.input` with the request's method, `queryParams` or
 * `bodyType` + `body`, optional `info.output`, a JSON Schema 2020-12 of `info`, and for dynamic
 * routes `routeTemplate` with the request's `pathParams`.
 */
import { isValidRouteTemplate, TollgateError } from '@tollgate/core'

/** What a paid route tells buyers and catalogues about how to call it. */
export interface RouteDiscovery {
  /** Example query parameters (GET, HEAD, DELETE) or example body (POST, PUT, PATCH). */
  input?: Record<string, unknown>
  /** JSON Schema keywords describing `input`, e.g. `{ properties, required }`. */
  inputSchema?: Record<string, unknown>
  /** How the body is sent; given for body methods only. */
  bodyType?: 'json' | 'form-data' | 'text'
  /** JSON Schema keywords describing the path parameters of a dynamic route. */
  pathParamsSchema?: Record<string, unknown>
  /** An example answer, and JSON Schema keywords describing it. */
  output?: { example?: unknown; schema?: Record<string, unknown> }
}

/** A declaration prepared at start-up; the method and path parameters are added per request. */
export interface CompiledDiscovery {
  info: { input: Record<string, unknown>; output?: Record<string, unknown> }
  /** The JSON Schema of `info.input`'s properties, and of `info.output` when there is one. */
  inputProperties: Record<string, unknown>
  outputSchema: Record<string, unknown> | undefined
  body: boolean
  /** `/users/:id` for a dynamic route with a valid template. */
  routeTemplate: string | undefined
  paramsPattern: { pattern: RegExp; names: string[] } | undefined
}

const queryMethods = new Set(['GET', 'HEAD', 'DELETE'])
const bodyMethods = new Set(['POST', 'PUT', 'PATCH'])

/** Prepares a route's declaration; a body type on a query method is a configuration error. */
export function compileDiscovery(
  key: string,
  method: string | undefined,
  path: string,
  discovery: RouteDiscovery,
): CompiledDiscovery {
  const body = discovery.bodyType !== undefined
  if (method !== undefined && !(body ? bodyMethods : queryMethods).has(method)) {
    throw new TollgateError(
      'REQUIREMENTS_MALFORMED',
      `route ${key}: discovery ${body ? 'with' : 'without'} bodyType does not fit ${method}`,
    )
  }
  const template = routeTemplateOf(path)
  const input = discovery.input ?? {}
  const inputSchema = discovery.inputSchema ?? { properties: {} }
  const example = discovery.output?.example
  const inputProperties: Record<string, unknown> = body
    ? {
        type: { type: 'string', const: 'http' },
        method: { type: 'string', enum: [...bodyMethods] },
        bodyType: { type: 'string', enum: ['json', 'form-data', 'text'] },
        body: inputSchema,
      }
    : {
        type: { type: 'string', const: 'http' },
        method: { type: 'string', enum: [...queryMethods] },
        queryParams: { type: 'object', ...inputSchema },
      }
  if (discovery.pathParamsSchema)
    inputProperties.pathParams = { type: 'object', ...discovery.pathParamsSchema }
  return {
    info: {
      input: body
        ? { type: 'http', bodyType: discovery.bodyType, body: input }
        : { type: 'http', queryParams: input },
      ...(example ? { output: { type: 'json', example } } : {}),
    },
    inputProperties,
    outputSchema: example
      ? {
          type: 'object',
          properties: {
            type: { type: 'string' },
            example: { type: 'object', ...discovery.output?.schema },
          },
          required: ['type'],
        }
      : undefined,
    body,
    routeTemplate: template?.routeTemplate,
    paramsPattern: template?.paramsPattern,
  }
}

/**
 * `extensions.bazaar` for one request: the method it came with and, for a dynamic route, the
 * template and the path parameters read from the request path. Undefined when the request's
 * method does not fit the declaration (a route without a verb asked with another one).
 */
export function bazaarExtension(
  compiled: CompiledDiscovery,
  method: string,
  rawPath: string,
): Record<string, unknown> | undefined {
  const verb = method.toUpperCase()
  if (!(compiled.body ? bodyMethods : queryMethods).has(verb)) return undefined
  const properties: Record<string, unknown> = {
    ...compiled.inputProperties,
    method: { type: 'string', enum: [verb] },
  }
  const input: Record<string, unknown> = { ...compiled.info.input, method: verb }
  const { routeTemplate, paramsPattern } = compiled
  if (paramsPattern) {
    input.pathParams = pathParamsOf(paramsPattern, rawPath)
    properties.pathParams ??= { type: 'object' }
  }
  return {
    info: { ...compiled.info, input },
    schema: {
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      properties: {
        input: {
          type: 'object',
          properties,
          required: compiled.body ? ['type', 'method', 'bodyType', 'body'] : ['type', 'method'],
          additionalProperties: false,
        },
        ...(compiled.outputSchema ? { output: compiled.outputSchema } : {}),
      },
      required: ['input'],
    },
    ...(paramsPattern ? { routeTemplate } : {}),
  }
}

/**
 * A route path's template: `[id]` is written `:id` and a `*` segment `:var1`, `:var2`… A path
 * without parameters, of wildcards only, or whose template the facilitator would refuse has none.
 */
function routeTemplateOf(
  path: string,
): { routeTemplate: string; paramsPattern: CompiledDiscovery['paramsPattern'] } | undefined {
  const segments = path.split('/')
  const named = segments.filter((segment) => segment !== '')
  if (named.length > 0 && named.every((segment) => segment === '*')) return undefined
  let wildcards = 0
  const routeTemplate = segments
    .map((segment) => (segment === '*' ? `:var${++wildcards}` : segment))
    .join('/')
    .replace(/\[([^\]]+)\]/g, ':$1')
  const names: string[] = []
  const source = routeTemplate
    .split(/:([a-zA-Z_][a-zA-Z0-9_]*)/)
    .map((part, index) => {
      if (index % 2 === 0) return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
      names.push(part)
      return '([^/]+)'
    })
    .join('')
  if (names.length === 0 || !isValidRouteTemplate(routeTemplate)) return undefined
  return { routeTemplate, paramsPattern: { pattern: new RegExp(`^${source}$`), names } }
}

/** The parameters of a request path, percent-decoded; none when the path does not fit. */
function pathParamsOf(
  { pattern, names }: NonNullable<CompiledDiscovery['paramsPattern']>,
  rawPath: string,
): Record<string, string> {
  const match = pattern.exec(rawPath)
  if (!match) return {}
  return Object.fromEntries(names.map((name, index) => [name, decoded(match[index + 1] ?? '')]))
}

function decoded(value: string): string {
  try {
    return decodeURIComponent(value)
  } catch {
    return value
  }
}
