import { readFile } from 'node:fs/promises'
import { dashboardDist } from '@tollgate/dashboard'
/**
 * @module
 * The `operator` section of a facilitator config (API keys, rate limits, blocklist, metrics,
 * the ledger API) and what it becomes: the options of `createFacilitatorApp`. Database-backed
 * stores live in the facilitator's own ledger database.
 */
import {
  type ApiKeyStore,
  type Blocklist,
  type DashboardAsset,
  type FacilitatorAppOptions,
  fileBlocklist,
  type Logger,
  memoryApiKeyStore,
  type RateLimitOptions,
} from '@tollgate/facilitator'
import {
  openLedger,
  SqlApiKeyStore,
  SqlBlocklist,
  type SqlLedger,
  SqlLedgerReports,
} from '@tollgate/ledger'
import { DataDirInUseError, lockDataDir } from '@tollgate/sql'
import { z } from 'zod'
import { chains } from './chains.ts'
import { resolveEnvReference } from './secrets.ts'
import { UserError } from './ui.ts'

const rateLimitSchema = z.strictObject({
  points: z.number().int().min(1).max(1_000_000),
  durationSeconds: z.number().int().min(1).max(86_400),
})
const rateLimitGroupSchema = z.strictObject({
  ip: rateLimitSchema.optional(),
  key: rateLimitSchema.optional(),
})

/**
 * Strict objects: a misspelt key (`apikeys`) would otherwise silently turn a protection off.
 * Tokens and the Redis URL may be `$ENV` references; `source` and `blocklist` are `'database'`
 * or a file path (relative to the current folder, like `ledgerDir`).
 */
export const operatorConfigSchema = z.strictObject({
  apiKeys: z
    .strictObject({
      required: z.boolean(),
      source: z.string().min(1).describe("'database' or a JSON file of key hashes"),
    })
    .optional(),
  rateLimits: z
    .strictObject({
      verify: rateLimitGroupSchema.optional(),
      settle: rateLimitGroupSchema.optional(),
      keyPrefix: z.string().min(1).optional(),
      redisTimeoutMs: z.number().int().min(1).max(5_000).optional(),
    })
    .optional(),
  redisUrl: z.string().min(1).optional(),
  blocklist: z.string().min(1).describe("'database' or a file of addresses").optional(),
  metricsToken: z.string().min(1).optional(),
  adminToken: z.string().min(1).optional(),
  trustProxy: z.union([z.boolean(), z.number().int().min(0).max(10)]).optional(),
})

export type OperatorConfig = z.output<typeof operatorConfigSchema>

const apiKeyFileSchema = z.array(
  z.strictObject({
    keyHash: z.string().regex(/^[0-9a-f]{64}$/, 'must be a SHA-256 in lowercase hex'),
    merchant: z.string().min(1),
    networks: z.array(z.string().min(1)).min(1).optional(),
    assets: z.array(z.string().min(1)).min(1).optional(),
    payTo: z.array(z.string().min(1)).min(1).optional(),
  }),
)

const tokenLengthMin = 16

export interface OperatorContext {
  env: NodeJS.ProcessEnv
  /** The facilitator's ledger: its database holds the `'database'` stores. */
  ledger: SqlLedger
  /** Where the facilitator listens: an open ledger API is served on a loopback host only. */
  host: string
  logger: Logger
  /** `--redis-url`, which wins over `REDIS_URL` and the config. */
  redisUrl?: string | undefined
  /** The configured assets, so the dashboard shows amounts with their symbol and decimals. */
  assets?: readonly DashboardAsset[] | undefined
}

/** The app options an operator section asks for, plus a summary for the start-up log. */
export async function resolveOperator(
  operator: OperatorConfig | undefined,
  context: OperatorContext,
): Promise<{ app: FacilitatorAppOptions; summary: Record<string, unknown> }> {
  const config = operator ?? {}
  const { env, ledger, logger } = context
  const app: FacilitatorAppOptions = { logger }
  const summary: Record<string, unknown> = {}
  if (config.apiKeys) {
    app.apiKeys = { required: config.apiKeys.required, store: await apiKeyStore(config, context) }
    summary.apiKeys = { required: config.apiKeys.required, source: config.apiKeys.source }
  }
  const redisUrl =
    context.redisUrl ??
    env.REDIS_URL ??
    (config.redisUrl ? resolveEnvReference(config.redisUrl, env) : undefined)
  if (config.rateLimits) {
    const { verify, settle, keyPrefix, redisTimeoutMs } = config.rateLimits
    app.rateLimits = {
      ...(verify ? { verify: limitGroup(verify) } : {}),
      ...(settle ? { settle: limitGroup(settle) } : {}),
      ...(keyPrefix ? { keyPrefix } : {}),
      ...(redisTimeoutMs ? { redisTimeoutMs } : {}),
      ...(redisUrl ? { redis: redisUrl } : {}),
    }
    summary.rateLimits = redisUrl ? 'redis' : 'per process'
  } else if (redisUrl) {
    logger.warn({}, 'a Redis URL is set but operator.rateLimits is not: Redis is not used')
  }
  if (config.trustProxy !== undefined) app.trustProxy = config.trustProxy
  if (config.blocklist) {
    app.blocklist = await blocklist(config.blocklist, context)
    summary.blocklist = config.blocklist === 'database' ? 'database' : 'file'
  }
  if (config.metricsToken) {
    app.metrics = { token: operatorToken('metricsToken', config.metricsToken, env) }
    summary.metrics = 'token'
  }
  const adminToken = config.adminToken
    ? operatorToken('adminToken', config.adminToken, env)
    : undefined
  if (adminToken || isLoopback(context.host)) {
    app.ledger = { ledger, adminToken }
    summary.ledgerApi = adminToken ? 'token' : 'open (loopback)'
    // The dashboard's API follows the ledger API's rule: a token, or an open one on loopback.
    app.dashboard = {
      reports: new SqlLedgerReports(ledger.sql),
      adminToken,
      staticDir: dashboardDist,
      assets: context.assets,
      chains,
    }
    summary.dashboard = adminToken ? '/dashboard/ (token)' : '/dashboard/ (open, loopback)'
  } else {
    summary.ledgerApi = 'off: set operator.adminToken to serve GET /ledger/payments'
    summary.dashboard = 'off: set operator.adminToken to serve /dashboard/'
  }
  return { app, summary }
}

async function apiKeyStore(config: OperatorConfig, context: OperatorContext): Promise<ApiKeyStore> {
  const source = resolveEnvReference(config.apiKeys!.source, context.env)
  if (source === 'database') return new SqlApiKeyStore(context.ledger.sql)
  const entries = apiKeyFileSchema.safeParse(await readJson(source, 'API key file'))
  if (!entries.success) {
    const problem = entries.error.issues[0]
    throw new UserError(
      `${source} is not a list of API keys: ${problem?.path.join('.')}: ${problem?.message}`,
      'write [{ "keyHash": "<sha-256 hex>", "merchant": "…" }]; only hashes, never keys',
    )
  }
  return memoryApiKeyStore(entries.data.map((entry) => stripUndefined(entry)))
}

async function blocklist(value: string, context: OperatorContext): Promise<Blocklist> {
  const source = resolveEnvReference(value, context.env)
  if (source === 'database') return new SqlBlocklist(context.ledger.sql)
  try {
    return await fileBlocklist(source, { logger: context.logger })
  } catch (error) {
    throw new UserError(`cannot read the blocklist ${source}: ${(error as Error).message}`)
  }
}

type LimitGroup = z.output<typeof rateLimitGroupSchema>

function limitGroup({ ip, key }: LimitGroup): NonNullable<RateLimitOptions['verify']> {
  return { ...(ip ? { ip } : {}), ...(key ? { key } : {}) }
}

function operatorToken(name: string, value: string, env: NodeJS.ProcessEnv): string {
  const token = resolveEnvReference(value, env)
  if (token.length < tokenLengthMin) {
    throw new UserError(
      `operator.${name} is shorter than ${tokenLengthMin} characters`,
      'make one with: node -p "crypto.randomBytes(32).toString(\'base64url\')"',
    )
  }
  return token
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host)
}

async function readJson(path: string, what: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(path, 'utf8'))
  } catch (error) {
    throw new UserError(`cannot read the ${what} ${path}: ${(error as Error).message}`)
  }
}

/** Drops absent optional fields, which `exactOptionalPropertyTypes` keeps apart from undefined. */
function stripUndefined<
  T extends {
    networks?: string[] | undefined
    assets?: string[] | undefined
    payTo?: string[] | undefined
  },
>(entry: T) {
  const { networks, assets, payTo, ...rest } = entry
  return {
    ...rest,
    ...(networks ? { networks } : {}),
    ...(assets ? { assets } : {}),
    ...(payTo ? { payTo } : {}),
  }
}

/** A ledger opened for the CLI, with what it holds released by `close()`. */
export interface OpenedLedger {
  ledger: SqlLedger
  close(): Promise<void>
}

/**
 * Opens the facilitator's ledger: PostgreSQL when a URL is given, else the embedded one in
 * `ledgerDir`. PGlite does not stop two processes from opening one folder (and both would then
 * lose writes), so the folder is held with a lock file naming this process until `close()`.
 */
export async function openOperatorLedger(options: {
  databaseUrl?: string | undefined
  ledgerDir: string
}): Promise<OpenedLedger> {
  if (options.databaseUrl) {
    const ledger = await openLedger({ databaseUrl: options.databaseUrl })
    return { ledger, close: () => ledger.close() }
  }
  const release = await lockLedgerDir(options.ledgerDir)
  try {
    const ledger = await openLedger({ dataDir: options.ledgerDir })
    return {
      ledger,
      async close() {
        await ledger.close()
        await release()
      },
    }
  } catch (error) {
    await release()
    throw error
  }
}

/** Takes `<dir>.lock` for this process; a lock left by a process that has died is taken over. */
export async function lockLedgerDir(dir: string): Promise<() => Promise<void>> {
  try {
    return await lockDataDir(dir)
  } catch (error) {
    if (!(error instanceof DataDirInUseError)) throw error
    throw new UserError(
      `the embedded ledger ${dir} is in use by process ${error.holderPid} (a running facilitator?)`,
      `stop it first, or share a PostgreSQL ledger (--database-url); if no such process is yours, delete ${error.lockPath}`,
    )
  }
}
