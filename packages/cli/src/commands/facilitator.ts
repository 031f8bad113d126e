import type { Command } from 'commander'
import pino from 'pino'
import { buildEvmFacilitator } from '../evmFacilitator.ts'
import { loadFacilitatorConfig, resolveNetworks } from '../facilitatorConfig.ts'
import { listen } from '../listen.ts'
import { waitForShutdown } from './shared.ts'

export function registerFacilitator(program: Command): void {
  program
    .command('facilitator')
    .description('run a facilitator for real networks from a config file')
    .requiredOption(
      '--config <file>',
      'JSON config: networks, RPC URLs, signer keys ($ENV references)',
    )
    .option('--port <port>', 'override the configured port')
    .action(async (options: { config: string; port?: string }) => {
      const logger = pino({
        name: 'tollgate-facilitator',
        // Payment payloads carry signatures, not keys; keys never reach a log call, and the
        // redaction stays as a second line of defence.
        redact: {
          paths: ['*.privateKey', '*.signerKeys', 'privateKey', 'signerKeys', '*.password'],
          censor: '[redacted]',
        },
      })
      const config = await loadFacilitatorConfig(options.config)
      const networks = await resolveNetworks(config, process.env)
      const { app, facilitator } = buildEvmFacilitator({
        networks,
        logger,
        ...(config.receiptTimeoutMs ? { receiptTimeoutMs: config.receiptTimeoutMs } : {}),
      })
      const server = await listen(
        app,
        options.port === undefined ? config.port : Number(options.port),
        config.host,
      )
      logger.info(
        {
          url: server.url,
          networks: networks.map((n) => n.network),
          signers: facilitator.supported().signers,
        },
        'facilitator listening',
      )
      for (const check of await facilitator.readiness()) {
        if (check.ok) logger.info({ check }, 'network ready')
        else logger.warn({ check }, 'network not ready')
      }
      await waitForShutdown()
      await server.close()
      logger.info({}, 'facilitator stopped')
    })
}
