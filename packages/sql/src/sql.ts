import { PGlite, type Transaction } from '@electric-sql/pglite'
import pg from 'pg'
import { PreparedStatements } from './pglitePrepared.ts'

/**
 * The little of SQL Tollgate's stores need, over either engine: embedded PGlite (a real PostgreSQL
 * compiled to WebAssembly, data in a folder) or a PostgreSQL server through node-postgres.
 * Both speak the same dialect, so one set of migrations and queries serves both.
 */
export interface Sql {
  readonly engine: 'pglite' | 'postgres'
  query<Row = Record<string, unknown>>(text: string, params?: unknown[]): Promise<Row[]>
  /** Runs several statements without parameters (migrations). */
  exec(text: string): Promise<void>
  /** Runs `work` in one transaction: all of it commits, or none. */
  transaction<T>(work: (sql: Sql) => Promise<T>): Promise<T>
  /** An embedded database as a tarball, to start new ones from (PGlite only). */
  dump?(): Promise<Blob>
  close(): Promise<void>
}

/** Shared buffers of an embedded database: what PostgreSQL keeps of its pages in memory. */
const pgliteSharedBuffers = '16MB'

/**
 * Embedded PostgreSQL in this process; `dataDir` undefined keeps it in memory. A new database is
 * created from `template` (a dump of an initialised one) when given, which is several times
 * faster than initialising a cluster.
 */
export async function openPglite(dataDir?: string, template?: Blob): Promise<Sql> {
  const options = {
    ...(template ? { loadDataDir: template } : {}),
    // PostgreSQL's default 128 MB of shared buffers all land in this process's memory; the
    // stores' working sets are small, and on disk the OS caches the rest.
    startParams: [...PGlite.defaultStartParams, '-c', `shared_buffers=${pgliteSharedBuffers}`],
  }
  const db = dataDir ? new PGlite(dataDir, options) : new PGlite(options)
  await db.waitReady
  const prepared = new PreparedStatements(db)
  const wrap = (target: PGlite | Transaction): Sql => ({
    engine: 'pglite',
    query: <Row>(text: string, params?: unknown[]) =>
      prepared.query<Row>(text, params, target !== db),
    exec: async (text) => {
      await target.exec(text)
    },
    transaction: (work) =>
      'transaction' in target
        ? target.transaction((inner) => work(wrap(inner)))
        : work(wrap(target)),
    close: async () => {
      if ('close' in target) await target.close()
    },
  })
  return { ...wrap(db), dump: async () => db.dumpDataDir('none') }
}

/** A PostgreSQL server; `schema` (created if absent) isolates tables, e.g. per test run. */
export async function openPostgres(
  url: string,
  options: { schema?: string; poolSize?: number } = {},
): Promise<Sql> {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? 10,
    ...(options.schema ? { options: `-c search_path=${options.schema}` } : {}),
  })
  // An idle client losing its connection must not crash the process; the next query reconnects.
  pool.on('error', () => undefined)
  if (options.schema)
    await pool.query(`create schema if not exists ${quoteIdentifier(options.schema)}`)
  const wrapClient = (client: pg.PoolClient): Sql => ({
    engine: 'postgres',
    query: async <Row>(text: string, params?: unknown[]) =>
      (await client.query(text, params)).rows as Row[],
    exec: async (text) => {
      await client.query(text)
    },
    transaction: (work) => work(wrapClient(client)),
    close: async () => undefined,
  })
  return {
    engine: 'postgres',
    query: async <Row>(text: string, params?: unknown[]) =>
      (await pool.query(text, params)).rows as Row[],
    exec: async (text) => {
      await pool.query(text)
    },
    async transaction(work) {
      const client = await pool.connect()
      try {
        await client.query('begin')
        const result = await work(wrapClient(client))
        await client.query('commit')
        return result
      } catch (error) {
        await client.query('rollback').catch(() => undefined)
        throw error
      } finally {
        client.release()
      }
    },
    close: () => pool.end(),
  }
}

function quoteIdentifier(name: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`invalid schema name ${name}`)
  return `"${name}"`
}
