/**
 * @module
 * From a settled payment to a discovery catalogue entry. The `bazaar` declaration travels in the
 * payload, which the buyer wrote, so it is checked (`parseBazaarExtension`) and the resource's
 * own metadata is sanitised before anything is published.
 */
import {
  type BazaarDeclaration,
  bazaarKey,
  bazaarToolName,
  type DiscoveryEntry,
  type DiscoveryItem,
  type PaymentPayload,
  type PaymentRequirements,
  parseBazaarExtension,
  type ResourceInfo,
} from '@tollgate/core'

export type CatalogueEntryResult =
  | { ok: true; entry: DiscoveryEntry }
  | { ok: false; reason: string; errors?: string[] }

const serviceNameLengthMax = 32
const tagLengthMax = 32
const tagsMax = 5
const iconUrlLengthMax = 2048
const printableAscii = /^[\x20-\x7e]+$/

/**
 * The entry a settled v2 payment with a `bazaar` declaration makes, or why it makes none. The
 * resource is the URL's origin and path (the query is the buyer's), or origin and route template.
 */
export function catalogueEntry(
  payload: PaymentPayload,
  requirements: PaymentRequirements,
  now: Date,
): CatalogueEntryResult {
  const declared = payload.extensions?.[bazaarKey]
  if (declared === undefined) return { ok: false, reason: 'no bazaar declaration' }
  if (payload.x402Version !== 2) return { ok: false, reason: 'a v1 payment carries no extensions' }
  const parsed = parseBazaarExtension(declared)
  if (!parsed.ok) return { ok: false, reason: 'invalid bazaar declaration', errors: parsed.errors }
  const { declaration } = parsed
  const resource = payload.resource
  if (!resource) return { ok: false, reason: 'the payment names no resource' }
  const url = canonicalResource(resource.url, declaration)
  if (!url) return { ok: false, reason: 'the resource URL is not an absolute http(s) URL' }
  const input = declaration.info.input
  const item: DiscoveryItem = {
    resource: url,
    type: input.type,
    x402Version: payload.x402Version,
    accepts: [requirements],
    lastUpdated: now.toISOString(),
    ...metadataOf(resource),
    extensions: { [bazaarKey]: declaration },
  }
  return {
    ok: true,
    entry: { item, tool: bazaarToolName(input) ?? '', keywords: keywordsOf(declaration) },
  }
}

function canonicalResource(raw: string, declaration: BazaarDeclaration): string | undefined {
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    return undefined
  }
  const web = url.protocol === 'http:' || url.protocol === 'https:'
  if (declaration.info.input.type === 'http' && !web) return undefined
  if (url.username || url.password) return undefined
  if (!web) return `${url.protocol}//${url.host}${url.pathname}`
  return `${url.origin}${declaration.routeTemplate ?? url.pathname}`
}

/** Description and MIME type as given; service name, tags and icon only when they look sane. */
function metadataOf(resource: ResourceInfo) {
  const seen = new Set<string>()
  const tags = (resource.tags ?? [])
    .filter((tag) => tag.length <= tagLengthMax && printableAscii.test(tag))
    .filter((tag) => !seen.has(tag.toLowerCase()) && seen.add(tag.toLowerCase()))
    .slice(0, tagsMax)
  const serviceName = resource.serviceName
  return {
    ...(resource.description ? { description: resource.description } : {}),
    ...(resource.mimeType ? { mimeType: resource.mimeType } : {}),
    ...(serviceName &&
    serviceName.length <= serviceNameLengthMax &&
    printableAscii.test(serviceName)
      ? { serviceName }
      : {}),
    ...(tags.length > 0 ? { tags } : {}),
    ...(resource.iconUrl && isPublicWebUrl(resource.iconUrl) ? { iconUrl: resource.iconUrl } : {}),
  }
}

/**
 * An icon URL a catalogue may show to anyone: http(s), no credentials, and a host name rather
 * than an IP literal or a loopback name, so a listing cannot point browsers at local services.
 */
function isPublicWebUrl(value: string): boolean {
  if (value.length > iconUrlLengthMax || !printableAscii.test(value)) return false
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return false
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return false
  if (url.username || url.password || url.hostname.startsWith('[')) return false
  const host = url.hostname.toLowerCase()
  if (host === 'localhost' || host.endsWith('.localhost')) return false
  return !/^[0-9.]+$/.test(host) && !/^0x[0-9a-f]+$/.test(host)
}

/** The tool's name and description and the names of the parameters, for search. */
function keywordsOf(declaration: BazaarDeclaration): string[] {
  const input = declaration.info.input
  if (input.type === 'mcp') {
    return [bazaarToolName(input) ?? '', input.description ?? ''].filter(Boolean)
  }
  const body = 'body' in input && typeof input.body === 'object' ? input.body : {}
  return [
    ...Object.keys(input.queryParams ?? {}),
    ...Object.keys(input.pathParams ?? {}),
    ...Object.keys(body),
  ]
}
