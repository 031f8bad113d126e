/**
 * @module
 * The discovery catalogue in the ledger's database (PGlite or PostgreSQL), for
 * `new Facilitator({ catalog })`. It has the shape of `DiscoveryCatalog` from `@tollgate/core`.
 * Search is PostgreSQL full-text search: description, service name and tags weigh most, then the
 * URL's words, then the tool and parameter names; every query word matches as a prefix, any of
 * them is enough, and the best ranked come first.
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
import type { Sql } from '@tollgate/sql'

/**
 * Catalogued resources in `tollgate_discovery_resources`, one row per (resource, tool), each
 * write merged into the row (`mergeDiscoveryItems`): a write older than the row (another process
 * settled a later payment) only adds an offer on a scheme or network the row lacks.
 * @example
 * const facilitator = new Facilitator({ schemes, catalog: new SqlDiscoveryCatalog(ledger.sql) })
 */
export class SqlDiscoveryCatalog implements DiscoveryCatalog {
  constructor(readonly sql: Sql) {}

  async upsert(entry: DiscoveryEntry): Promise<void> {
    await this.sql.transaction(async (tx) => {
      const inserted = await tx.query(
        `insert into tollgate_discovery_resources (resource, tool, type, item, pay_to, schemes,
           networks, extension_keys, search, last_updated)
         values ($1, $2, $3, $4::jsonb, $5::text[], $6::text[], $7::text[], $8::text[],
           ${searchVector}, $12::timestamptz)
         on conflict (resource, tool) do nothing returning resource`,
        [...rowValues(entry.item, entry.tool), ...searchTexts(entry), entry.item.lastUpdated],
      )
      if (inserted.length > 0) return
      // Locked until commit: a concurrent write of the same resource merges after this one.
      const [row] = await tx.query<{ item: DiscoveryItem }>(
        `select item from tollgate_discovery_resources where resource = $1 and tool = $2
         for update`,
        [entry.item.resource, entry.tool],
      )
      const merged = mergeDiscoveryItems(row?.item, entry.item)
      if (row && row.item.lastUpdated > entry.item.lastUpdated) {
        // An older payment adds its offer only: the stored description and search stand.
        await tx.query(
          `update tollgate_discovery_resources set type = $3, item = $4::jsonb,
             pay_to = $5::text[], schemes = $6::text[], networks = $7::text[],
             extension_keys = $8::text[]
           where resource = $1 and tool = $2`,
          rowValues(merged, entry.tool),
        )
        return
      }
      await tx.query(
        `update tollgate_discovery_resources set type = $3, item = $4::jsonb,
           pay_to = $5::text[], schemes = $6::text[], networks = $7::text[],
           extension_keys = $8::text[], search = ${searchVector},
           last_updated = $12::timestamptz
         where resource = $1 and tool = $2`,
        [...rowValues(merged, entry.tool), ...searchTexts(entry), merged.lastUpdated],
      )
    })
  }

  async list(query: DiscoveryListQuery): Promise<{ items: DiscoveryItem[]; total: number }> {
    const params: unknown[] = []
    const where = whereClause(query, params)
    const [count] = await this.sql.query<{ total: number }>(
      `select count(*)::int as total from tollgate_discovery_resources ${where}`,
      params,
    )
    const rows = await this.sql.query<{ item: DiscoveryItem }>(
      `select item from tollgate_discovery_resources ${where}
       order by last_updated desc, resource, tool
       limit $${params.length + 1} offset $${params.length + 2}`,
      [...params, query.limit, query.offset],
    )
    return { items: rows.map((row) => row.item), total: Number(count?.total ?? 0) }
  }

  async search(query: DiscoverySearchQuery): Promise<{ items: DiscoveryItem[]; more: boolean }> {
    if (query.terms.length === 0) return { items: [], more: false }
    // Terms are letters and digits only (discoverySearchTerms), so they cannot break the syntax.
    const params: unknown[] = [query.terms.map((term) => `${term}:*`).join(' | ')]
    const where = whereClause(query, params, ['search @@ q.query'])
    const rows = await this.sql.query<{ item: DiscoveryItem }>(
      `select item from tollgate_discovery_resources,
         (select to_tsquery('english', $1) as query) q
       ${where}
       order by ts_rank_cd(search, q.query) desc, last_updated desc, resource, tool
       limit $${params.length + 1} offset $${params.length + 2}`,
      [...params, query.limit + 1, query.offset],
    )
    return {
      items: rows.slice(0, query.limit).map((row) => row.item),
      more: rows.length > query.limit,
    }
  }
}

/** Parameters 9 to 11 weigh description, name and tags most, then URL words, then keywords. */
const searchVector = `setweight(to_tsvector('english', $9), 'A')
  || setweight(to_tsvector('english', $10), 'B') || setweight(to_tsvector('english', $11), 'C')`

/** Parameters 1 to 8: the key, the item, and the arrays the filters read from its offers. */
function rowValues(item: DiscoveryItem, tool: string): unknown[] {
  return [
    item.resource,
    tool,
    item.type,
    JSON.stringify(item),
    distinct(item.accepts.map((accepted) => discoveryAddressKey(accepted.payTo))),
    distinct(item.accepts.map((accepted) => accepted.scheme)),
    distinct(item.accepts.map((accepted) => accepted.network)),
    Object.keys(item.extensions ?? {}),
  ]
}

function searchTexts({ item, keywords }: DiscoveryEntry): string[] {
  return [
    [item.description, item.serviceName, ...(item.tags ?? [])].filter(Boolean).join(' '),
    discoveryUrlWords(item.resource).join(' '),
    keywords.join(' '),
  ]
}

function distinct(values: string[]): string[] {
  return [...new Set(values)]
}

/** `where …` for the filters, adding their values to `params`. */
function whereClause(filters: DiscoveryFilters, params: unknown[], clauses: string[] = []) {
  const add = (value: unknown, clause: (parameter: string) => string) => {
    params.push(value)
    clauses.push(clause(`$${params.length}`))
  }
  if (filters.type !== undefined) add(filters.type, (p) => `type = ${p}`)
  if (filters.payTo !== undefined)
    add(discoveryAddressKey(filters.payTo), (p) => `${p} = any(pay_to)`)
  if (filters.scheme !== undefined) add(filters.scheme, (p) => `${p} = any(schemes)`)
  if (filters.network !== undefined) add(filters.network, (p) => `${p} = any(networks)`)
  if (filters.extensions?.length) add(filters.extensions, (p) => `extension_keys @> ${p}::text[]`)
  return clauses.length > 0 ? `where ${clauses.join(' and ')}` : ''
}
