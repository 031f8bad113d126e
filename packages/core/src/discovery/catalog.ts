/**
 * @module
 * The discovery catalogue's port: what a facilitator records about paid resources (from the
 * `bazaar` declarations of payments it settled) and how `GET /discovery/resources` and
 * `GET /discovery/search` read it. The facilitator ships an in-memory catalogue; the ledger a SQL
 * one. Both read the same filters and search terms from the helpers here, so they agree.
 */
import type { PaymentRequirements } from '../wire/types.ts'

/** One catalogued resource, as the discovery endpoints answer it. */
export interface DiscoveryItem {
  /** The resource URL (origin and path, or origin and route template), or an MCP server's URL. */
  resource: string
  type: 'http' | 'mcp'
  x402Version: number
  /**
   * The requirements of the latest payment settled for it on each scheme and network, the
   * latest first: a resource paid on EVM and on Solana lists both.
   */
  accepts: PaymentRequirements[]
  /** ISO 8601 time of the latest payment settled for it. */
  lastUpdated: string
  description?: string
  mimeType?: string
  serviceName?: string
  tags?: string[]
  iconUrl?: string
  /** Only `bazaar` ({info, schema, routeTemplate?}); other extensions may be per payment. */
  extensions?: Record<string, unknown>
}

/** What the facilitator hands a catalogue to record. */
export interface DiscoveryEntry {
  item: DiscoveryItem
  /** The MCP tool, or '' for an HTTP resource: with `item.resource`, the catalogue key. */
  tool: string
  /** More words to search besides URL, description, service name and tags (tool, parameters). */
  keywords: string[]
}

/** Filters both endpoints take; each one given must hold. */
export interface DiscoveryFilters {
  type?: 'http' | 'mcp'
  /** Some accepted requirement pays this address (hex addresses compare case-insensitively). */
  payTo?: string
  /** Some accepted requirement uses this scheme. */
  scheme?: string
  /** Some accepted requirement is on this CAIP-2 network. */
  network?: string
  /** The item carries every one of these extension keys. */
  extensions?: string[]
}

export interface DiscoveryListQuery extends DiscoveryFilters {
  limit: number
  offset: number
}

export interface DiscoverySearchQuery extends DiscoveryFilters {
  /** From `discoverySearchTerms`: at least one. */
  terms: string[]
  limit: number
  offset: number
}

/**
 * Where discovered resources live. `upsert` records the entry over the one with the same
 * (resource, tool) as `mergeDiscoveryItems` says, so no scheme or network's offer is lost.
 * `list` is newest first with the total that match; `search` is best match first (an item
 * matches when a term is a prefix of one of its words) and says whether more follow.
 */
export interface DiscoveryCatalog {
  upsert(entry: DiscoveryEntry): Promise<void>
  list(query: DiscoveryListQuery): Promise<{ items: DiscoveryItem[]; total: number }>
  search(query: DiscoverySearchQuery): Promise<{ items: DiscoveryItem[]; more: boolean }>
}

/**
 * The item a catalogue keeps when `incoming` is recorded over `stored`: the newer one's
 * description and declaration, and each scheme and network's requirements from the newer of the
 * two that has them (the newer item's first). A write older than the stored item (another
 * process settled a later payment first) so only adds offers the stored item lacks.
 */
export function mergeDiscoveryItems(
  stored: DiscoveryItem | undefined,
  incoming: DiscoveryItem,
): DiscoveryItem {
  if (!stored) return incoming
  const incomingNewer = incoming.lastUpdated >= stored.lastUpdated
  const [newer, older] = incomingNewer ? [incoming, stored] : [stored, incoming]
  const offerKey = (offer: PaymentRequirements) => `${offer.scheme}|${offer.network}`
  const offered = new Set(newer.accepts.map(offerKey))
  return {
    ...newer,
    accepts: [...newer.accepts, ...older.accepts.filter((offer) => !offered.has(offerKey(offer)))],
  }
}

/** Bounds of `limit`, as the spec gives them. */
export const discoveryLimits = { default: 20, max: 100 } as const

const searchTermsMax = 16
const searchTermLengthMax = 64

/** The words of a search query, in lower case, without repeats; at most 16. */
export function discoverySearchTerms(query: string): string[] {
  const words = query.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []
  return [...new Set(words.map((word) => word.slice(0, searchTermLengthMax)))].slice(
    0,
    searchTermsMax,
  )
}

/** The form a `payTo` is compared in: hex addresses in lower case, others (base58) exactly. */
export function discoveryAddressKey(address: string): string {
  return /^0x[0-9a-fA-F]+$/.test(address) ? address.toLowerCase() : address
}

/** The words of a resource URL worth searching: host labels and path segments. */
export function discoveryUrlWords(resource: string): string[] {
  let url: URL
  try {
    url = new URL(resource)
  } catch {
    return resource.match(/[\p{L}\p{N}]+/gu) ?? []
  }
  let path = url.pathname
  try {
    path = decodeURIComponent(path)
  } catch {
    // A malformed escape stays as written.
  }
  return `${url.hostname} ${path}`.match(/[\p{L}\p{N}]+/gu) ?? []
}
