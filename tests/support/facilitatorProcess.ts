/**
 * A facilitator in its own process, for tests that kill it or run several. Configured by the
 * FACILITATOR_PROCESS environment variable (JSON); prints `{"url": …}` when it listens.
 * With `crashAt`, it kills itself with SIGKILL at that settlement step, leaving the ledger as a
 * real crash would.
 */
import { buildEvmFacilitator, listen } from 'tollgate'
import type { Address, Hex } from 'viem'

interface ProcessConfig {
  rpcUrl: string
  network: string
  signerKey: Hex
  asset: { address: Address; name: string; version: string; decimals: number; symbol: string }
  multicall3?: Address
  ledger: { dataDir?: string; databaseUrl?: string; schema?: string }
  port: number
  crashAt?: string
  batch?: { maxSize: number; maxWaitMs: number } | false
  receiptTimeoutMs?: number
}

const config = JSON.parse(process.env.FACILITATOR_PROCESS ?? '{}') as ProcessConfig
const built = await buildEvmFacilitator({
  networks: [
    {
      network: config.network,
      rpcUrl: config.rpcUrl,
      signerKeys: [config.signerKey],
      assets: [config.asset],
      multicall3: config.multicall3,
    },
  ],
  ledger: config.ledger,
  ...(config.batch !== undefined ? { batch: config.batch } : {}),
  ...(config.receiptTimeoutMs ? { receiptTimeoutMs: config.receiptTimeoutMs } : {}),
  onSettlementStep: (step) => {
    if (step === config.crashAt) process.kill(process.pid, 'SIGKILL')
  },
})
const server = await listen(built.app, config.port)
process.stdout.write(`${JSON.stringify({ url: server.url })}\n`)
process.on('SIGTERM', async () => {
  await server.close()
  await built.close()
  process.exit(0)
})
