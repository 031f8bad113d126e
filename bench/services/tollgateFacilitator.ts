// Tollgate's facilitator, alone in its process so its CPU time can be measured.
import { buildEvmFacilitator, listen } from 'tollgate'
import { announce, readServiceEnv } from './env.ts'

const env = readServiceEnv()
const { app } = await buildEvmFacilitator({
  networks: [
    { network: env.network, rpcUrl: env.rpcUrl, signerKeys: [env.key], assets: [env.asset] },
  ],
})
announce((await listen(app, 0)).url)
