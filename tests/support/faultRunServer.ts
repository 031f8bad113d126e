/**
 * The paid API of the randomised fault run, in its own process on the compiled packages, so the
 * run can kill it with SIGKILL and start it again on the same port and folder store. Configured
 * by the FAULT_RUN_SERVER environment variable (JSON); prints `{"url": …}` when it listens.
 * `GET /report?p=<payment>` costs one payment. Each handler run appends `{"p", "run"}` to
 * `runsFile` synchronously before its response is written, so a run that reached a client is
 * always in the log, even when the process dies the next instant.
 */
import { appendFileSync } from 'node:fs'
import { serve } from '@hono/node-server'
import { exactEvmServer } from '@tollgate/evm'
import { FolderResponseStore } from '@tollgate/server'
import { paymentMiddleware } from '@tollgate/server/hono'
import { Hono } from 'hono'
import type { DevManifest } from 'tollgate'

export interface FaultRunServerConfig {
  port: number
  facilitatorUrl: string
  network: string
  asset: DevManifest['asset']
  payTo: string
  folder: string
  runsFile: string
}

/** One line of the runs log. */
export interface HandlerRun {
  p: string
  run: string
}

const config = JSON.parse(process.env.FAULT_RUN_SERVER ?? '{}') as FaultRunServerConfig

const app = new Hono()
app.use(
  paymentMiddleware({
    routes: {
      'GET /report': { price: '$0.001', network: config.network, payTo: config.payTo },
    },
    facilitator: { url: config.facilitatorUrl },
    schemes: [exactEvmServer({ assets: { [config.network]: config.asset } })],
    store: new FolderResponseStore({ folder: config.folder }),
  }),
)
app.get('/report', (c) => {
  const line: HandlerRun = { p: c.req.query('p') ?? '', run: crypto.randomUUID() }
  appendFileSync(config.runsFile, `${JSON.stringify(line)}\n`)
  return c.json(line)
})

const server = serve({ fetch: app.fetch, port: config.port, hostname: '127.0.0.1' }, (info) => {
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${info.port}` })}\n`)
})
process.on('SIGTERM', () => {
  server.close()
  process.exit(0)
})
