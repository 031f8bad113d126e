/**
 * `tollgate discover <query>`: paid APIs a facilitator has seen settled, found with its
 * `GET /discovery/search` (the x402 `bazaar` catalogue), as a table or as JSON.
 */
import { existsSync } from 'node:fs'
import { paymentRequirementsSchema, toCaip2 } from '@tollgate/core'
import { readManifest } from '@tollgate/manifest'
import { z } from 'zod'
import { connectionFailure, note, UserError } from '../ui.ts'
import { amountFormatter } from './ledger.ts'
import { printTable } from './table.ts'

interface DiscoverOptions {
  type?: 'http' | 'mcp'
  network?: string
  limit: number
  json?: boolean
  facilitatorUrl?: string
  manifest: string
}

const defaultFacilitatorUrl = 'http://127.0.0.1:4020'
const requestTimeoutMs = 10_000

/** A resource as `GET /discovery/search` answers it; fields beyond these pass through. */
const resourceSchema = z.looseObject({
  resource: z.string(),
  type: z.string(),
  x402Version: z.number(),
  accepts: z.array(paymentRequirementsSchema),
  lastUpdated: z.string(),
  description: z.string().optional(),
})
const searchAnswerSchema = z.object({ resources: z.array(resourceSchema) })

export async function discover(query: string, options: DiscoverOptions): Promise<void> {
  const manifest = existsSync(options.manifest)
    ? await readManifest(options.manifest).catch(() => undefined)
    : undefined
  const baseUrl = options.facilitatorUrl ?? manifest?.facilitatorUrl ?? defaultFacilitatorUrl
  const url = new URL(`${baseUrl.replace(/\/+$/, '')}/discovery/search`)
  url.searchParams.set('query', query)
  url.searchParams.set('limit', String(options.limit))
  if (options.type) url.searchParams.set('type', options.type)
  if (options.network) {
    const network = toCaip2(options.network)
    if (!network) throw new UserError(`${options.network} is not a network`, 'e.g. eip155:8453')
    url.searchParams.set('network', network)
  }
  const resources = await search(url, baseUrl)
  if (options.json) {
    process.stdout.write(`${JSON.stringify(resources, null, 2)}\n`)
    return
  }
  if (resources.length === 0) {
    note(`nothing catalogued matches ${JSON.stringify(query)}`)
    return
  }
  const amount = amountFormatter(manifest)
  printTable(
    ['RESOURCE', 'TYPE', 'PRICE', 'NETWORK', 'DESCRIPTION', 'UPDATED (UTC)'],
    resources.map((found) => {
      const first = found.accepts[0]
      return [
        found.resource,
        found.type,
        first ? amount(first) : '-',
        first?.network ?? '-',
        found.description ?? '',
        found.lastUpdated.slice(0, 19).replace('T', ' '),
      ]
    }),
  )
}

async function search(url: URL, baseUrl: string) {
  let response: Response
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(requestTimeoutMs) })
  } catch (error) {
    throw new UserError(
      connectionFailure(error, baseUrl) ??
        `no facilitator answers at ${baseUrl}: ${(error as Error).message}`,
      'start the local stack with `npx tollgate dev`, or pass --facilitator-url',
    )
  }
  const body: unknown = await response.json().catch(() => undefined)
  if (response.status === 404) {
    throw new UserError(
      `${baseUrl} does not serve discovery`,
      'a facilitator serves /discovery/search when it keeps a catalogue (`tollgate dev` and `tollgate facilitator` do)',
    )
  }
  const parsed = searchAnswerSchema.safeParse(body)
  if (!response.ok || !parsed.success) {
    const message = z.object({ message: z.string() }).safeParse(body)
    throw new UserError(
      `the facilitator answered HTTP ${response.status}${message.success ? `: ${message.data.message}` : ''}`,
    )
  }
  return parsed.data.resources
}
