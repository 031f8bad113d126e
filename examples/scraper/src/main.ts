/**
 * Runs the scraper on the local stack: `npx tollgate dev` in one terminal, then
 * `npm start -w @tollgate-examples/scraper` (or `node dist/main.js`) in another. It is paid in the
 * dev stack's test USDC through its facilitator; PORT and TOLLGATE_MANIFEST say where.
 */
import { serve } from '@hono/node-server'
import { exactEvmServer, uptoEvmServer } from '@tollgate/evm'
import { readManifest } from '@tollgate/manifest'
import { createScraperApp } from './app.ts'

const manifestPath = process.env.TOLLGATE_MANIFEST ?? '.tollgate/dev.json'
const dev = await readManifest(manifestPath).catch((error: Error) => {
  process.stderr.write(
    `error: cannot read ${manifestPath} (${error.message}); start \`npx tollgate dev\` first, or set TOLLGATE_MANIFEST\n`,
  )
  process.exit(1)
})
const assets = { [dev.network]: dev.asset }
const app = createScraperApp({
  network: dev.network,
  payTo: dev.accounts.merchant.address,
  facilitatorUrl: dev.facilitatorUrl,
  schemes: [exactEvmServer({ assets }), uptoEvmServer({ assets })],
})
const port = Number(process.env.PORT ?? 4031)
const server = serve({ fetch: app.fetch, port, hostname: '127.0.0.1' }, (info) => {
  process.stdout.write(
    `scraper on http://127.0.0.1:${info.port}: POST /scrape $0.002 a page, POST /crawl $0.002 a page fetched (upto)\n`,
  )
})
server.on('error', (error: NodeJS.ErrnoException) => {
  process.stderr.write(
    `error: cannot listen on 127.0.0.1:${port}: ${error.code === 'EADDRINUSE' ? 'the port is in use; set PORT' : error.message}\n`,
  )
  process.exit(1)
})
