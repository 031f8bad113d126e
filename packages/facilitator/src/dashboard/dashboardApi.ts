/**
 * @module
 * The operator dashboard: a JSON API under `/api/*` (behind the admin token when one is given)
 * and the built single-page app under `/dashboard/`. Everything is read from the ledger's
 * reports, the schemes' readiness checks and the discovery catalogue; nothing here writes.
 *
 * Live updates are server-sent events: `GET /api/events` sends `ready` with the current change
 * mark, then `tick` whenever a payment changes state or a verification is recorded, and a comment
 * line every 15 s to keep proxies from closing an idle stream. Being an ordinary GET, it takes
 * the same bearer token (a browser reads it with `fetch`, since `EventSource` sends no headers).
 */
import {
  type ChainDescriptor,
  chainOf,
  discoveryLimits,
  type LedgerPayment,
  type LedgerReports,
  type PaymentHistory,
  type PaymentSummary,
  paymentSummary,
  reasonOf,
} from '@tollgate/core'
import type { Context, Hono } from 'hono'
import type { Facilitator } from '../facilitator.ts'
import type { Logger } from '../logger.ts'
import { bearerTokenGuard } from '../operator/adminToken.ts'
import { type AssetBook, assetBook, type DashboardAsset } from './assetBook.ts'
import { ChangeTicker, serveEvents } from './changeTicker.ts'
import { parseOverviewQuery, parsePaymentId, parsePaymentsQuery } from './dashboardQueries.ts'
import { overviewReport } from './overviewReport.ts'
import { merchantsReport, resourcesReport } from './revenueReport.ts'
import { signersReport } from './signersReport.ts'
import { serveDashboardFile } from './staticFiles.ts'

/** The dashboard of `createFacilitatorApp`; off unless given. */
export interface DashboardOptions {
  /** The ledger's aggregates and searches: `new SqlLedgerReports(ledger.sql)`. */
  reports: LedgerReports
  /**
   * Bearer token for `/api/*` (at least 16 characters). Without one the API is open, which is
   * for a local dev stack only: `tollgate facilitator` serves it tokenless on loopback alone.
   */
  adminToken?: string | undefined
  /** Folder of the built app (`dashboardDist` of `@tollgate/dashboard`); without, API only. */
  staticDir?: string | undefined
  /**
   * The chains' descriptors (`evmChain` of `@tollgate/evm`, `svmChain` of `@tollgate/svm`), so
   * networks have names and explorer links and signer balances read in their fee coin.
   */
  chains?: readonly ChainDescriptor[] | undefined
  /** Symbols and decimals of the assets, so amounts read "1.50 USDC" instead of atomic units. */
  assets?: readonly DashboardAsset[] | undefined
  /** How often the change mark is read while a stream is open. @default 1000 */
  eventsPollMs?: number | undefined
  /** Open event streams at most; more are refused with 503. @default 32 */
  eventStreamsMax?: number | undefined
  /** How long the signers' readiness checks may take. @default 3000 */
  readinessTimeoutMs?: number | undefined
  /**
   * What a seller this operator also runs has charged on each channel (its channel store), so
   * the channels view shows the charge and what is outstanding: charged and not yet claimed.
   */
  channelCharges?: (() => Promise<readonly ChannelCharge[]>) | undefined
  /**
   * The credit a seller this operator runs extends to agents ("serve first, pay later"): its
   * credit book with the agents' reputations, for the credit view.
   */
  credit?: (() => Promise<readonly CreditAgentRow[]>) | undefined
}

/**
 * One agent's credit with a seller this operator runs, in one asset (atomic units as decimal
 * strings), and its reputation as the seller's trusted reviewers see it, when it could be read.
 */
export interface CreditAgentRow {
  agent: string
  network: string
  asset: string
  outstanding: string
  settled: string
  defaulted: string
  /** How many payments were served on credit, and how many of those defaulted. */
  creditedCount: number
  defaultedCount: number
  reputation?: { value: string; count: number } | undefined
}

/** What a seller charged on one channel: the sum of the vouchers it accepted. */
export interface ChannelCharge {
  network: string
  channelId: string
  charged: string
}

/** Channels listed at most. */
const channelRowsMax = 200

/** Confirmed revenue rows answered at most, per list. */
const revenueRowsMax = 200

/** What the route groups share: the sources, and how a read failure is answered. */
interface RouteContext {
  reports: LedgerReports
  facilitator: Facilitator
  describeAsset: AssetBook
  options: DashboardOptions
  /** Runs a handler; a thrown read (the ledger down) is a 503 with a reason, and logged. */
  read(c: Context, work: () => Promise<Response>): Promise<Response>
}

const invalid = (c: Context, message: string) =>
  c.json({ error: reasonOf('REQUEST_INVALID'), message }, 400)

/** Mounts the dashboard; the returned `close` ends open event streams. */
export function serveDashboard(
  app: Hono,
  facilitator: Facilitator,
  options: DashboardOptions,
  logger: Logger,
): { close(): void } {
  const { reports } = options
  const ticker = new ChangeTicker({
    readMark: () => reports.changeMark(),
    pollMs: options.eventsPollMs ?? 1_000,
    onError: (error) => logger.warn({ err: String(error) }, 'dashboard change mark failed'),
  })
  if (options.adminToken !== undefined) {
    app.use('/api/*', bearerTokenGuard(options.adminToken, 'an admin token is required'))
  }
  const context: RouteContext = {
    reports,
    facilitator,
    describeAsset: assetBook(options.assets),
    options,
    async read(c, work) {
      try {
        return await work()
      } catch (error) {
        logger.error({ err: String(error), path: c.req.path }, 'dashboard read failed')
        return c.json(
          { error: reasonOf('LEDGER_UNAVAILABLE'), message: 'the ledger could not be read' },
          503,
        )
      }
    },
  }
  servePaymentRoutes(app, context)
  serveOperatorRoutes(app, context)
  app.get('/api/events', (c) =>
    context.read(c, () => serveEvents(c, ticker, reports, options.eventStreamsMax ?? 32)),
  )
  const staticDir = options.staticDir
  if (staticDir !== undefined) {
    app.get('/dashboard', (c) => c.redirect('dashboard/', 302))
    app.get('/dashboard/*', (c) =>
      context.read(c, () =>
        serveDashboardFile(c, staticDir, c.req.path.slice('/dashboard/'.length)),
      ),
    )
  }
  return { close: () => ticker.close() }
}

/** `/api/overview`, `/api/payments` and `/api/payments/:id`. */
function servePaymentRoutes(app: Hono, context: RouteContext): void {
  const { reports, describeAsset, read } = context
  app.get('/api/overview', (c) =>
    read(c, async () => {
      const parsed = parseOverviewQuery(new URL(c.req.url).searchParams, Date.now())
      if (!parsed.ok) return invalid(c, parsed.message)
      const overview = await reports.overview(parsed.value)
      return c.json(overviewReport(overview, parsed.value, describeAsset))
    }),
  )
  app.get('/api/payments', (c) =>
    read(c, async () => {
      const parsed = parsePaymentsQuery(new URL(c.req.url).searchParams)
      if (!parsed.ok) return invalid(c, parsed.message)
      const found = await reports.searchPayments(parsed.value)
      return c.json({
        payments: found.payments.map((payment) =>
          labelled(describedSummary(payment, context.facilitator), describeAsset),
        ),
        total: found.total,
        limit: parsed.value.limit,
        offset: parsed.value.offset,
      })
    }),
  )
  app.get('/api/payments/:id', (c) =>
    read(c, async () => {
      const id = parsePaymentId(c.req.param('id'))
      if (id === undefined) return invalid(c, 'a payment id is a positive whole number')
      const history = await reports.paymentHistory(id)
      if (!history)
        return c.json({ error: reasonOf('NOT_FOUND'), message: `no payment ${id}` }, 404)
      return c.json(paymentDetail(history, describeAsset, context.facilitator))
    }),
  )
}

/** `/api/signers`, `/api/merchants` and `/api/resources`. */
function serveOperatorRoutes(app: Hono, context: RouteContext): void {
  const { reports, facilitator, describeAsset, read } = context
  app.get('/api/signers', (c) =>
    read(c, async () => {
      const [checks, activity] = await Promise.all([
        facilitator.readiness(context.options.readinessTimeoutMs ?? 3_000),
        reports.signerActivity(),
      ])
      return c.json(
        signersReport(
          checks,
          facilitator.supported().signers,
          activity,
          new Date(),
          context.options.chains,
        ),
      )
    }),
  )
  app.get('/api/networks', (c) =>
    c.json({ networks: networksReport(facilitator, context.options.chains ?? []) }),
  )
  app.get('/api/channels', (c) =>
    read(c, async () => {
      const [found, charges] = await Promise.all([
        facilitator.channels(channelRowsMax, context.options.readinessTimeoutMs ?? 3_000),
        context.options.channelCharges?.() ?? [],
      ])
      const chargeOf = new Map(
        charges.map((charge) => [`${charge.network}|${charge.channelId.toLowerCase()}`, charge]),
      )
      return c.json({
        channels: found.channels.map((channel) => {
          const charge = chargeOf.get(`${channel.network}|${channel.channelId.toLowerCase()}`)
          const outstanding = charge ? BigInt(charge.charged) - BigInt(channel.totalClaimed) : 0n
          return labelled(
            {
              ...channel,
              ...(charge
                ? {
                    charged: charge.charged,
                    outstanding: (outstanding > 0n ? outstanding : 0n).toString(),
                  }
                : {}),
            },
            describeAsset,
          )
        }),
        failures: found.failures,
        checkedAt: new Date().toISOString(),
      })
    }),
  )
  app.get('/api/credit', (c) =>
    read(c, async () => {
      const rows = (await context.options.credit?.()) ?? []
      return c.json({
        enabled: context.options.credit !== undefined,
        agents: rows.map((row) => labelled(row, describeAsset)),
        checkedAt: new Date().toISOString(),
      })
    }),
  )
  const revenue = () => Promise.all([reports.revenue(revenueRowsMax), cataloguedItems(facilitator)])
  app.get('/api/merchants', (c) =>
    read(c, async () => {
      const [{ merchants }, catalogue] = await revenue()
      return c.json({ merchants: merchantsReport(merchants, catalogue, describeAsset) })
    }),
  )
  app.get('/api/resources', (c) =>
    read(c, async () => {
      const [{ resources }, catalogue] = await revenue()
      return c.json({ resources: resourcesReport(resources, catalogue, describeAsset) })
    }),
  )
}

/** The networks served, each named by its chain's descriptor, with its explorer's link pattern. */
function networksReport(facilitator: Facilitator, chains: readonly ChainDescriptor[]) {
  const networks = new Set(
    facilitator
      .supported()
      .kinds.filter((kind) => kind.x402Version === 2)
      .map((kind) => kind.network),
  )
  return [...networks].map((network) => {
    const chain = chainOf(chains, network)
    const transactionUrl = chain?.transactionUrlTemplate(network)
    return {
      network,
      label: chain?.label(network) ?? network,
      ...(chain ? { family: chain.name } : {}),
      ...(transactionUrl ? { transactionUrl } : {}),
    }
  })
}

/** A payment's summary with what its scheme reads from the payload (an `upto` maximum). */
function describedSummary(payment: LedgerPayment, facilitator: Facilitator): PaymentSummary {
  const { paymentPayload, paymentRequirements } = payment.payment
  const facts = facilitator.describePayment(paymentPayload, paymentRequirements)
  return {
    ...paymentSummary(payment),
    ...(facts.authorizedAmount ? { authorizedAmount: facts.authorizedAmount } : {}),
  }
}

/** A payment in full, without its signed payload (as good as money until settled). */
function paymentDetail(
  history: PaymentHistory,
  describeAsset: AssetBook,
  facilitator: Facilitator,
) {
  const { paymentPayload, paymentRequirements } = history.payment.payment
  return {
    payment: {
      ...labelled(describedSummary(history.payment, facilitator), describeAsset),
      ...(paymentPayload.resource ? { resource: paymentPayload.resource.url } : {}),
      maxTimeoutSeconds: paymentRequirements.maxTimeoutSeconds,
    },
    events: history.events.map((event) => ({
      state: event.state,
      ...(event.reason ? { reason: event.reason } : {}),
      ...(event.transaction ? { transaction: event.transaction } : {}),
      at: event.at.toISOString(),
    })),
    transactions: history.transactions.map((transaction) => ({
      ...transaction,
      createdAt: transaction.createdAt.toISOString(),
    })),
  }
}

/** A row with an amount, with the asset's symbol and decimals when they are known. */
function labelled<T extends { network: string; asset: string }>(row: T, describeAsset: AssetBook) {
  return { ...row, ...describeAsset(row.network, row.asset) }
}

/** The newest catalogued resources (at most the catalogue's page size), or none without one. */
async function cataloguedItems(facilitator: Facilitator) {
  if (!facilitator.catalog) return []
  const page = await facilitator.catalog.list({ limit: discoveryLimits.max, offset: 0 })
  return page.items
}
