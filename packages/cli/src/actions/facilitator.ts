import { SqlDiscoveryCatalog } from '@tollgate/ledger'
import pino from 'pino'
import { buildFacilitator } from '../buildFacilitator.ts'
import { loadFacilitatorConfig, resolveNetworks } from '../facilitatorConfig.ts'
import { listen } from '../listen.ts'
import { openOperatorLedger, resolveOperator } from '../operatorConfig.ts'
import { resolveEnvReference } from '../secrets.ts'
import { UserError } from '../ui.ts'
import { waitForShutdown } from './shutdown.ts'

interface FacilitatorOptions {
  config?: string
  port?: string
  databaseUrl?: string
  redisUrl?: string
}

function createLogger() {
  return pino({
    name: 'tollgate-facilitator',
    // Payment payloads carry signatures, not keys; keys and tokens never reach a log call, and
    // the redaction stays as a second line of defence.
    redact: {
      paths: [
        '*.privateKey',
        '*.signerKeys',
        '*.feePayers',
        'privateKey',
        'signerKeys',
        'feePayers',
        '*.password',
        '*.databaseUrl',
        '*.redisUrl',
        '*.adminToken',
        '*.metricsToken',
      ],
      censor: '[redacted]',
    },
  })
}

export async function runFacilitator(options: FacilitatorOptions): Promise<void> {
  if (!options.config) {
    throw new UserError(
      'a facilitator needs --config <file>',
      'start from config/facilitator.base-sepolia.json',
    )
  }
  const logger = createLogger()
  const config = await loadFacilitatorConfig(options.config)
  const networks = await resolveNetworks(config, process.env)
  const databaseUrl =
    options.databaseUrl ??
    process.env.DATABASE_URL ??
    (config.databaseUrl ? resolveEnvReference(config.databaseUrl, process.env) : undefined)
  // Opened here rather than by buildFacilitator: the operator's stores share its database.
  const opened = await openOperatorLedger({ databaseUrl, ledgerDir: config.ledgerDir })
  const closeAll: Array<() => Promise<void>> = [() => opened.close()]
  const stop = async () => {
    for (const close of closeAll.reverse()) await close()
  }
  try {
    const operator = await resolveOperator(config.operator, {
      env: process.env,
      ledger: opened.ledger,
      host: config.host,
      logger,
      redisUrl: options.redisUrl,
      assets: networks.flatMap((setup) =>
        setup.assets.map((asset) => ({ network: setup.network, ...asset })),
      ),
    })
    const built = await buildFacilitator({
      networks,
      logger,
      ledger: opened.ledger,
      batch: config.batch,
      app: operator.app,
      // The discovery catalogue lives in the ledger's database, shared like the ledger.
      catalog: new SqlDiscoveryCatalog(opened.ledger.sql),
      ...(config.receiptTimeoutMs ? { receiptTimeoutMs: config.receiptTimeoutMs } : {}),
    })
    closeAll.push(() => built.close())
    const port = options.port === undefined ? config.port : Number(options.port)
    const server = await listen(built.app, port, config.host)
    closeAll.push(() => server.close())
    logger.info(
      {
        url: server.url,
        networks: networks.map((setup) => setup.network),
        // What each chain adds, e.g. the most one transaction can cost a fee payer.
        chains: built.chainSummaries(),
        signers: built.facilitator.supported().signers,
        ledger: databaseUrl ? 'postgres' : config.ledgerDir,
        operator: operator.summary,
      },
      'facilitator listening',
    )
    for (const check of await built.facilitator.readiness()) {
      if (check.ok) logger.info({ check }, 'network ready')
      else logger.warn({ check }, 'network not ready')
    }
  } catch (error) {
    await stop()
    throw error
  }
  await waitForShutdown()
  await stop()
  logger.info({}, 'facilitator stopped')
}
