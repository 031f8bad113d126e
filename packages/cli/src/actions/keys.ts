/**
 * `tollgate facilitator keys add|list|revoke` and `block|unblock|blocklist`: the merchant API keys
 * and the blocklist a facilitator reads with `"source": "database"` / `"blocklist": "database"`.
 */
import { toCaip2 } from '@tollgate/core'
import { generateApiKey, hashApiKey } from '@tollgate/facilitator'
import { type ApiKeyRecord, SqlApiKeyStore, SqlBlocklist, type SqlLedger } from '@tollgate/ledger'
import { openOperatorLedger } from '../operatorConfig.ts'
import { dim, green, note, UserError } from '../ui.ts'
import { printTable } from './table.ts'

interface StoreOptions {
  databaseUrl?: string
  ledgerDir: string
}

/** How long a facilitator may keep answering from its cache (the stores' default staleMsMax). */
const staleSeconds = 5

async function withLedger<T>(
  options: StoreOptions,
  work: (ledger: SqlLedger) => Promise<T>,
): Promise<T> {
  const opened = await openOperatorLedger({
    databaseUrl: options.databaseUrl ?? process.env.DATABASE_URL,
    ledgerDir: options.ledgerDir,
  })
  try {
    return await work(opened.ledger)
  } finally {
    await opened.close()
  }
}

export async function blockAddress(
  address: string,
  options: StoreOptions & { reason?: string },
): Promise<void> {
  const added = await withLedger(options, (ledger) =>
    new SqlBlocklist(ledger.sql).add(address, options.reason),
  )
  note(added ? `${green('blocked')} ${address.toLowerCase()}` : `${address} was blocked already`)
}

export async function unblockAddress(address: string, options: StoreOptions): Promise<void> {
  const removed = await withLedger(options, (ledger) =>
    new SqlBlocklist(ledger.sql).remove(address),
  )
  if (!removed) throw new UserError(`${address} is not blocked`)
  note(`${green('unblocked')} ${address.toLowerCase()}`)
}

export async function listBlocked(options: StoreOptions & { json?: boolean }): Promise<void> {
  const blocked = await withLedger(options, (ledger) => new SqlBlocklist(ledger.sql).list())
  if (options.json) return void process.stdout.write(`${JSON.stringify(blocked, null, 2)}\n`)
  printTable(
    ['ADDRESS', 'SINCE', 'REASON'],
    blocked.map((entry) => [entry.address, entry.createdAt.toISOString(), entry.reason ?? '']),
  )
}

export async function addKey(
  merchant: string,
  options: StoreOptions & { network?: string[]; asset?: string[] },
): Promise<void> {
  const networks = options.network?.map((network) => {
    const caip2 = toCaip2(network)
    if (!caip2)
      throw new UserError(`${network} is not a network`, 'use a CAIP-2 id such as eip155:8453')
    return caip2
  })
  for (const asset of options.asset ?? []) {
    if (!/^0x[0-9a-fA-F]{40}$/.test(asset)) throw new UserError(`${asset} is not a token address`)
  }
  const key = generateApiKey()
  const keyHash = hashApiKey(key)
  await withLedger(options, (ledger) =>
    new SqlApiKeyStore(ledger.sql).add({ keyHash, merchant, networks, assets: options.asset }),
  )
  process.stdout.write(`${key}\n`)
  note(
    `${green('created')} key ${keyHash.slice(0, 12)}… for ${merchant.trim()}. ${dim('It is shown only this once: hand it to the merchant now.')}`,
  )
}

export async function listKeys(
  options: StoreOptions & { all?: boolean; json?: boolean },
): Promise<void> {
  const keys = await withLedger(options, (ledger) =>
    new SqlApiKeyStore(ledger.sql).list({ revoked: options.all ?? false }),
  )
  if (options.json) return void process.stdout.write(`${JSON.stringify(keys, null, 2)}\n`)
  printTable(
    ['HASH', 'MERCHANT', 'NETWORKS', 'ASSETS', 'CREATED', 'STATUS'],
    keys.map((key) => [
      `${key.keyHash.slice(0, 16)}…`,
      key.merchant,
      key.networks?.join(',') ?? 'any',
      key.assets?.join(',') ?? 'any',
      key.createdAt.toISOString(),
      key.revokedAt ? `revoked ${key.revokedAt.toISOString()}` : 'active',
    ]),
  )
}

export async function revokeKey(given: string, options: StoreOptions): Promise<void> {
  const revoked = await withLedger(options, async (ledger) => {
    const store = new SqlApiKeyStore(ledger.sql)
    const target = matchKey(given.trim(), await store.list())
    await store.revoke(target.keyHash)
    return target
  })
  note(
    `${green('revoked')} key ${revoked.keyHash.slice(0, 12)}… of ${revoked.merchant}. ${dim(`Facilitators sharing this database refuse it within ${staleSeconds} s.`)}`,
  )
}

/** The one active key a key, a hash or a hash prefix names. */
function matchKey(given: string, active: ApiKeyRecord[]): ApiKeyRecord {
  let matches: ApiKeyRecord[]
  if (given.startsWith('tg_')) {
    const hash = hashApiKey(given)
    matches = active.filter((key) => key.keyHash === hash)
  } else if (/^[0-9a-f]{8,64}$/.test(given)) {
    matches = active.filter((key) => key.keyHash.startsWith(given))
  } else {
    throw new UserError(
      'give the key (tg_…), its hash, or at least 8 first characters of its hash',
      'see the hashes with: tollgate facilitator keys list',
    )
  }
  if (matches.length === 1) return matches[0]!
  if (matches.length === 0) throw new UserError('no active key matches')
  throw new UserError(`${matches.length} active keys match: give more characters of the hash`)
}
