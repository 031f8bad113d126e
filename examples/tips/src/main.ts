/**
 * The tips server for an MCP client (stdio): `npx tollgate dev` first, then configure your client
 * to run `node examples/tips/dist/main.js` with TOLLGATE_PRIVATE_KEY set. Creators come from
 * creators.json (TIPS_CREATORS to use another file); on the dev stack `@weather` is its example
 * merchant, resolved through ERC-8004. TIP_MAX (default $0.10) caps one tip and TIP_DAILY_BUDGET
 * (default $1) a day's, recorded in TOLLGATE_SPEND_STORE (default ~/.tollgate/spending).
 */
import { homedir } from 'node:os'
import { join } from 'node:path'
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js'
import { HttpFacilitatorClient } from '@tollgate/core'
import { devnetChain } from '@tollgate/devnet'
import { exactEvmClient } from '@tollgate/evm'
import { readManifest } from '@tollgate/manifest'
import { TrustClient } from '@tollgate/trust'
import { parseSpendingPolicy, SpendStore, spendingGuard } from '@tollgate/wallet'
import { createPublicClient, type Hex, http } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { readCreators } from './creators.ts'
import { createTipServer } from './tipServer.ts'

function fail(message: string): never {
  process.stderr.write(`error: ${message}\n`)
  process.exit(1)
}

const manifestPath = process.env.TOLLGATE_MANIFEST ?? '.tollgate/dev.json'
const dev = await readManifest(manifestPath).catch((error: Error) =>
  fail(
    `cannot read ${manifestPath} (${error.message}); start \`npx tollgate dev\` first, or set TOLLGATE_MANIFEST`,
  ),
)
const key = process.env.TOLLGATE_PRIVATE_KEY
if (!key || !/^0x[0-9a-fA-F]{64}$/.test(key))
  fail('set TOLLGATE_PRIVATE_KEY to the wallet’s key (0x and 64 hex digits)')
const creatorsFile =
  process.env.TIPS_CREATORS ?? new URL('../creators.json', import.meta.url).pathname
const creators = await readCreators(creatorsFile).catch((error: Error) =>
  fail(`cannot read the creators: ${error.message}`),
)
if (dev.erc8004?.merchantAgentId)
  creators.weather ??= {
    agentId: dev.erc8004.merchantAgentId,
    name: 'The dev stack’s weather agent (ERC-8004)',
  }
const chain = devnetChain(
  dev.chainId,
  dev.rpcUrl,
  dev.multicall3 ?? '0xcA11bde05977b3631167028862bE2a173976CA11',
)
const trust = dev.erc8004
  ? new TrustClient({
      publicClient: createPublicClient({ chain, transport: http() }),
      registries: {
        identityRegistry: dev.erc8004.identityRegistry,
        reputationRegistry: dev.erc8004.reputationRegistry,
      },
    })
  : undefined
const store = await SpendStore.open({
  dataDir: process.env.TOLLGATE_SPEND_STORE ?? join(homedir(), '.tollgate', 'spending'),
})
const policy = parseSpendingPolicy({
  maxPayment: process.env.TIP_MAX ?? '$0.10',
  budgets: [{ limit: process.env.TIP_DAILY_BUDGET ?? '$1', per: 'day' }],
})
const server = createTipServer({
  creators,
  payer: {
    schemes: [
      exactEvmClient({
        signer: privateKeyToAccount(key as Hex),
        assets: { [dev.network]: dev.asset },
      }),
    ],
    spending: spendingGuard({
      store,
      policy,
      howToRaise: 'the owner raises it with TIP_MAX or TIP_DAILY_BUDGET',
    }),
    maxPaymentUsd: process.env.TIP_MAX ?? '$0.10',
  },
  facilitator: new HttpFacilitatorClient({ url: dev.facilitatorUrl }),
  network: dev.network,
  asset: dev.asset,
  trust,
})
const transport = new StdioServerTransport()
transport.onclose = () => void store.close().then(() => process.exit(0))
await server.connect(transport)
process.stderr.write(
  `tips: ${Object.keys(creators).length} creators, paying on ${dev.network} through ${dev.facilitatorUrl}\n`,
)
