import type { Command } from 'commander'
import pino from 'pino'
import { buildEvmFacilitator } from '../evmFacilitator.ts'
import { loadFacilitatorConfig, resolveNetworks } from '../facilitatorConfig.ts'
import { listen } from '../listen.ts'
import { resolveEnvReference } from '../secrets.ts'
import { waitForShutdown } from './shared.ts'

interface FacilitatorOptions {
  config: string
  port?: string
  databaseUrl?: string
  redisUrl?: string
}

export function registerFacilitator(program: Command): void {
  program
    .command('facilitator')
    .description('run a facilitator for real networks from a config file')
    .requiredOption(
      '--config <file>',
      'JSON config: networks, RPC URLs, signer keys ($ENV references)',
    )
    .option('--port <port>', 'override the configured port')
    .option(
      '--database-url <url>',
      'PostgreSQL for the ledger, shared by several processes (or DATABASE_URL)',
    )
    .option('--redis-url <url>', 'Redis for rate limits shared by several processes (or REDIS_URL)')
    .action(async (options: FacilitatorOptions) => {
      const logger = pino({
        name: 'tollgate-facilitator',
        // Payment payloads carry signatures, not keys; keys never reach a log call, and the
        // redaction stays as a second line of defence.
        redact: {
          paths: [
            '*.privateKey',
            '*.signerKeys',
            'privateKey',
            'signerKeys',
            '*.password',
            '*.databaseUrl',
          ],
          censor: '[redacted]',
        },
      })
      const config = await loadFacilitatorConfig(options.config)
      const networks = await resolveNetworks(config, process.env)
      const databaseUrl =
        options.databaseUrl ??
        process.env.DATABASE_URL ??
        (config.databaseUrl ? resolveEnvReference(config.databaseUrl, process.env) : undefined)
      const built = await buildEvmFacilitator({
        networks,
        logger,
        ledger: databaseUrl ? { databaseUrl } : { dataDir: config.ledgerDir },
        batch: config.batch,
        ...(config.receiptTimeoutMs ? { receiptTimeoutMs: config.receiptTimeoutMs } : {}),
      })
      const server = await listen(
        built.app,
        options.port === undefined ? config.port : Number(options.port),
        config.host,
      )
      logger.info(
        {
          url: server.url,
          networks: networks.map((n) => n.network),
          signers: built.facilitator.supported().signers,
          ledger: databaseUrl ? 'postgres' : config.ledgerDir,
        },
        'facilitator listening',
      )
      for (const check of await built.facilitator.readiness()) {
        if (check.ok) logger.info({ check }, 'network ready')
        else logger.warn({ check }, 'network not ready')
      }
      await waitForShutdown()
      await server.close()
      await built.close()
      logger.info({}, 'facilitator stopped')
    })
}
