/**
 * Runs the news site on the local stack: `npx tollgate dev` in one terminal, then
 * `npm start -w @tollgate-examples/news` (or `node dist/main.js`) in another. Articles are paid
 * in the dev stack's test USDC through its facilitator; purchases are kept in
 * NEWS_PURCHASES_DIR. PORT and TOLLGATE_MANIFEST say where.
 */
import { serve } from '@hono/node-server'
import { exactEvmServer, recoverMessageSigner } from '@tollgate/evm'
import { readManifest } from '@tollgate/manifest'
import { articles, createNewsApp, FolderPurchases } from './app.ts'

const manifestPath = process.env.TOLLGATE_MANIFEST ?? '.tollgate/dev.json'
const purchasesDir = process.env.NEWS_PURCHASES_DIR ?? '.tollgate/news/purchases'
const dev = await readManifest(manifestPath).catch((error: Error) => {
  process.stderr.write(
    `error: ${error.message} (or set TOLLGATE_MANIFEST to the manifest's path)\n`,
  )
  process.exit(1)
})
const app = createNewsApp({
  network: dev.network,
  payTo: dev.accounts.merchant.address,
  facilitator: { url: dev.facilitatorUrl },
  schemes: [exactEvmServer({ assets: { [dev.network]: dev.asset } })],
  purchases: new FolderPurchases({ folder: purchasesDir }),
  paywall: { appName: 'Tollgate News', testnet: true },
  signIn: { recover: recoverMessageSigner },
  onError: (error) => {
    process.stderr.write(`warning: purchases: ${(error as Error).message}\n`)
  },
})
const port = Number(process.env.PORT ?? 4034)
const server = serve({ fetch: app.fetch, port, hostname: '127.0.0.1' }, (info) => {
  const base = `http://127.0.0.1:${info.port}`
  const lines = articles.map(
    (article) => `  ${article.price.padEnd(7)} ${base}/articles/${article.slug}`,
  )
  process.stdout.write(
    `news on ${base}: the list is free at ${base}/, each article is paid once (purchases in ${purchasesDir})\n${lines.join('\n')}\n`,
  )
})
server.on('error', (error: NodeJS.ErrnoException) => {
  process.stderr.write(
    `error: cannot listen on 127.0.0.1:${port}: ${error.code === 'EADDRINUSE' ? 'the port is in use; set PORT' : error.message}\n`,
  )
  process.exit(1)
})
