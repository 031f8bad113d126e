/**
 * `tollgate ledger`: the recent payments of a facilitator and their states, read from its
 * PostgreSQL database or asked of the running facilitator (`GET /ledger/payments`).
 */
import { existsSync } from 'node:fs'
import {
  formatAtomicUnits,
  isPaymentState,
  type PaymentState,
  paymentStates,
  paymentSummary,
  toCaip2,
} from '@tollgate/core'
import { defaultEvmAssets } from '@tollgate/evm'
import { SqlLedger } from '@tollgate/ledger'
import { type DevManifest, readManifest } from '@tollgate/manifest'
import { openPostgres } from '@tollgate/sql'
import { defaultSvmAssets } from '@tollgate/svm'
import { z } from 'zod'
import { UserError } from '../ui.ts'
import { printTable } from './table.ts'

interface LedgerOptions {
  limit: number
  state?: string[]
  network?: string
  json?: boolean
  databaseUrl?: string
  facilitatorUrl?: string
  adminToken?: string
  manifest: string
}

interface LedgerQuery {
  limit: number
  states?: PaymentState[]
  network?: string
}

const defaultFacilitatorUrl = 'http://127.0.0.1:4020'
const requestTimeoutMs = 10_000

/** A payment as `GET /ledger/payments` shows it, and as `--json` prints it from either source. */
const paymentRowSchema = z.object({
  id: z.number().int(),
  state: z.string(),
  network: z.string(),
  scheme: z.string().optional(),
  payer: z.string(),
  payTo: z.string(),
  asset: z.string(),
  amount: z.string(),
  transaction: z.string().optional(),
  reason: z.string().optional(),
  message: z.string().optional(),
  paymentIdentifier: z.string().optional(),
  attempts: z.number().int().optional(),
  createdAt: z.string(),
  updatedAt: z.string().optional(),
})
type PaymentRow = z.output<typeof paymentRowSchema>
const ledgerAnswerSchema = z.object({ payments: z.array(paymentRowSchema) })

export async function showLedger(options: LedgerOptions): Promise<void> {
  const query = ledgerQuery(options)
  const manifest = existsSync(options.manifest)
    ? await readManifest(options.manifest).catch(() => undefined)
    : undefined
  // An explicit flag wins; DATABASE_URL (often set for other programs) only beats the defaults.
  const databaseUrl =
    options.databaseUrl ?? (options.facilitatorUrl ? undefined : process.env.DATABASE_URL)
  const payments = databaseUrl
    ? await fromDatabase(databaseUrl, query)
    : await fromFacilitator(
        options.facilitatorUrl ?? manifest?.facilitatorUrl ?? defaultFacilitatorUrl,
        options.adminToken ?? process.env.TOLLGATE_ADMIN_TOKEN,
        query,
      )
  if (options.json) {
    process.stdout.write(`${JSON.stringify(payments, null, 2)}\n`)
    return
  }
  const amount = amountFormatter(manifest)
  printTable(
    ['ID', 'TIME (UTC)', 'STATE', 'PAYER', 'PAYEE', 'AMOUNT', 'NETWORK', 'TRANSACTION', 'REASON'],
    payments.map((payment) => [
      String(payment.id),
      payment.createdAt.slice(0, 19).replace('T', ' '),
      payment.state,
      shortAddress(payment.payer),
      shortAddress(payment.payTo),
      amount(payment),
      payment.network,
      payment.transaction ?? '-',
      payment.reason ?? '',
    ]),
  )
}

function ledgerQuery(options: LedgerOptions): LedgerQuery {
  const query: LedgerQuery = { limit: options.limit }
  if (options.state) {
    const states = options.state.flatMap((value) => value.split(',')).map((state) => state.trim())
    if (!states.every(isPaymentState))
      throw new UserError(`--state takes ${paymentStates.join(', ')}`)
    query.states = states
  }
  if (options.network) {
    const network = toCaip2(options.network)
    if (!network) throw new UserError(`${options.network} is not a network`, 'e.g. eip155:8453')
    query.network = network
  }
  return query
}

async function fromFacilitator(
  baseUrl: string,
  adminToken: string | undefined,
  query: LedgerQuery,
): Promise<PaymentRow[]> {
  const url = new URL(`${baseUrl.replace(/\/+$/, '')}/ledger/payments`)
  url.searchParams.set('limit', String(query.limit))
  if (query.states) url.searchParams.set('state', query.states.join(','))
  if (query.network) url.searchParams.set('network', query.network)
  let response: Response
  try {
    response = await fetch(url, {
      headers: adminToken ? { authorization: `Bearer ${adminToken}` } : {},
      signal: AbortSignal.timeout(requestTimeoutMs),
    })
  } catch {
    throw new UserError(
      `no facilitator answers at ${baseUrl}`,
      'start the local stack with `npx tollgate dev`, or pass --facilitator-url or --database-url',
    )
  }
  const body: unknown = await response.json().catch(() => undefined)
  if (response.status === 401)
    throw new UserError('the facilitator wants its admin token', 'set TOLLGATE_ADMIN_TOKEN')
  if (response.status === 404) {
    throw new UserError(
      `${baseUrl} does not serve the ledger API`,
      'a facilitator on a public address serves it only with operator.adminToken set',
    )
  }
  const parsed = ledgerAnswerSchema.safeParse(body)
  if (!response.ok || !parsed.success) {
    const message = z.object({ message: z.string() }).safeParse(body)
    throw new UserError(
      `the facilitator answered HTTP ${response.status}${message.success ? `: ${message.data.message}` : ''}`,
    )
  }
  return parsed.data.payments
}

async function fromDatabase(databaseUrl: string, query: LedgerQuery): Promise<PaymentRow[]> {
  // Read only: no migration is run on a database this command merely looks at.
  const sql = await openPostgres(databaseUrl, { poolSize: 1 })
  try {
    return (await new SqlLedger(sql).recent(query)).map(paymentSummary)
  } catch (error) {
    if ((error as { code?: string }).code === '42P01') {
      throw new UserError(
        'no Tollgate ledger in that database',
        'a facilitator creates its tables when it first starts on it',
      )
    }
    throw new UserError(`cannot read the ledger database: ${(error as Error).message}`)
  } finally {
    await sql.close()
  }
}

function shortAddress(address: string): string {
  return address.length > 14 ? `${address.slice(0, 6)}…${address.slice(-4)}` : address
}

/** Hex addresses compare in lower case; others (Solana's base58) exactly. */
function assetKey(network: string, address: string): string {
  return `${network}|${address.startsWith('0x') ? address.toLowerCase() : address}`
}

/**
 * Amounts in known tokens (default USDCs on EVM and Solana, the dev stack's test USDC on each of
 * its chains) in units; others atomic.
 */
export function amountFormatter(
  manifest: DevManifest | undefined,
): (payment: Pick<PaymentRow, 'network' | 'asset' | 'amount'>) => string {
  const known = new Map<string, { decimals: number; symbol: string }>()
  const add = (
    network: string,
    asset: { address: string; decimals: number; symbol?: string | undefined },
  ) =>
    known.set(assetKey(network, asset.address), {
      decimals: asset.decimals,
      symbol: asset.symbol ?? '',
    })
  for (const [network, asset] of Object.entries(defaultEvmAssets)) add(network, asset)
  for (const [network, asset] of Object.entries(defaultSvmAssets)) add(network, asset)
  if (manifest) {
    add(manifest.network, manifest.asset)
    // The dev stack's Solana mint is its test USDC, under devnet's id (whose default it replaces).
    const { network, mint, decimals } = manifest.solana
    add(network, { address: mint, decimals, symbol: 'USDC' })
  }
  return (payment) => {
    const asset = known.get(assetKey(payment.network, payment.asset))
    if (!asset || !/^[0-9]+$/.test(payment.amount)) return `${payment.amount} (atomic)`
    return `${formatAtomicUnits(BigInt(payment.amount), asset.decimals)} ${asset.symbol}`.trim()
  }
}
