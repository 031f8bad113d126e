// Tollgate's facilitator, alone in its process so its CPU time can be measured.
import { buildFacilitator, listen } from 'tollgate'
import { announce, readServiceEnv } from './env.ts'

const env = readServiceEnv()
const { app } = await buildFacilitator({
  networks: [
    {
      network: env.network,
      rpcUrl: env.rpcUrl,
      signerKeys: [env.key],
      assets: [env.asset],
      multicall3: env.multicall3,
    },
  ],
  ledger: env.ledgerDir ? { dataDir: env.ledgerDir } : {},
  batch: { maxSize: 200, maxWaitMs: Number(process.env.BENCH_BATCH_WAIT_MS ?? 0) },
})
announce((await listen(app, 0)).url)
