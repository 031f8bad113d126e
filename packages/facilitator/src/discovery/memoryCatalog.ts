/**
 * @module
 * A discovery catalogue in this process, for tests and for facilitators without a database. It
 * keeps at most `itemsMax` resources, forgetting the least recently paid first. Writes merge as
 * `mergeDiscoveryItems` says, so a resource keeps every network's latest offer.
 */
import {
  type DiscoveryCatalog,
  type DiscoveryEntry,
  type DiscoveryFilters,
  type DiscoveryItem,
  type DiscoveryListQuery,
  type DiscoverySearchQuery,
  discoveryAddressKey,
  discoveryUrlWords,
  mergeDiscoveryItems,
} from '@tollgate/core'

interface Stored {
  item: DiscoveryItem
  /** Search words by weight: description, name and tags count most, the URL less, the rest least. */
  words: Array<{ words: string[]; weight: number }>
}

export interface MemoryDiscoveryCatalogOptions {
  /** @default 10000 */
  itemsMax?: number
}

export class MemoryDiscoveryCatalog implements DiscoveryCatalog {
  readonly #items = new Map<string, Stored>()
  readonly #itemsMax: number

  constructor(options: MemoryDiscoveryCatalogOptions = {}) {
    this.#itemsMax = options.itemsMax ?? 10_000
  }

  async upsert(entry: DiscoveryEntry): Promise<void> {
    const key = `${entry.item.resource}\n${entry.tool}`
    const { item } = entry
    const stored = this.#items.get(key)
    const merged = structuredClone(mergeDiscoveryItems(stored?.item, item))
    if (stored && stored.item.lastUpdated > item.lastUpdated) {
      // An older payment (a later one was catalogued first) adds its offer only, in place.
      this.#items.set(key, { item: merged, words: stored.words })
      return
    }
    this.#items.delete(key)
    this.#items.set(key, {
      item: merged,
      words: [
        { words: wordsOf([item.description, item.serviceName, ...(item.tags ?? [])]), weight: 1 },
        { words: wordsOf(discoveryUrlWords(item.resource)), weight: 0.4 },
        { words: wordsOf(entry.keywords), weight: 0.2 },
      ],
    })
    // Map order is insertion order, and an upsert re-inserts: the first is the least recent.
    for (const oldest of this.#items.keys()) {
      if (this.#items.size <= this.#itemsMax) break
      this.#items.delete(oldest)
    }
  }

  async list(query: DiscoveryListQuery): Promise<{ items: DiscoveryItem[]; total: number }> {
    const matching = this.#matching(query).sort(newestFirst)
    return {
      items: matching.slice(query.offset, query.offset + query.limit).map((s) => clone(s)),
      total: matching.length,
    }
  }

  async search(query: DiscoverySearchQuery): Promise<{ items: DiscoveryItem[]; more: boolean }> {
    const scored = this.#matching(query)
      .map((stored) => ({ stored, score: score(stored, query.terms) }))
      .filter(({ score }) => score > 0)
      .sort((a, b) => b.score - a.score || newestFirst(a.stored, b.stored))
    const page = scored.slice(query.offset, query.offset + query.limit)
    return {
      items: page.map(({ stored }) => clone(stored)),
      more: scored.length > query.offset + query.limit,
    }
  }

  #matching(filters: DiscoveryFilters): Stored[] {
    const payTo = filters.payTo === undefined ? undefined : discoveryAddressKey(filters.payTo)
    return [...this.#items.values()].filter(({ item }) => {
      if (filters.type !== undefined && item.type !== filters.type) return false
      if (filters.extensions?.some((key) => !Object.hasOwn(item.extensions ?? {}, key)))
        return false
      return (
        (payTo === undefined || item.accepts.some((a) => discoveryAddressKey(a.payTo) === payTo)) &&
        (filters.scheme === undefined || item.accepts.some((a) => a.scheme === filters.scheme)) &&
        (filters.network === undefined || item.accepts.some((a) => a.network === filters.network))
      )
    })
  }
}

function wordsOf(texts: ReadonlyArray<string | undefined>): string[] {
  return texts.flatMap((text) => text?.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [])
}

/** For each term, the weight of the best field where it begins a word. */
function score(stored: Stored, terms: readonly string[]): number {
  let total = 0
  for (const term of terms) {
    const hit = stored.words.find((field) => field.words.some((word) => word.startsWith(term)))
    total += hit?.weight ?? 0
  }
  return total
}

function newestFirst(a: Stored, b: Stored): number {
  return (
    b.item.lastUpdated.localeCompare(a.item.lastUpdated) ||
    a.item.resource.localeCompare(b.item.resource)
  )
}

function clone(stored: Stored): DiscoveryItem {
  return structuredClone(stored.item)
}
