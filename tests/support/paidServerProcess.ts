/**
 * A paid API in its own process, running the compiled packages as users get them, for tests
 * that kill it or run several instances on one store. Configured by the PAID_SERVER_PROCESS
 * environment variable (JSON); prints `{"url": …}` when it listens. `GET /report` costs one
 * payment; each run of its handler appends its body to `runsFile`, so a test counts runs across
 * processes. The process kills itself with SIGKILL at `crashAt`: `stored`, as soon as a settled
 * response is stored, before it is written; `settled`, once the facilitator answered settle
 * success, before the response is stored; `handler`, while the handler runs (after its run is
 * recorded).
 */
import { appendFile } from 'node:fs/promises'
import { serve } from '@hono/node-server'
import type { ResponseStore } from '@tollgate/core'
import { exactEvmServer } from '@tollgate/evm'
import { PostgresResponseStore, RedisResponseStore } from '@tollgate/response-store'
import { FolderResponseStore } from '@tollgate/server'
import { paymentMiddleware } from '@tollgate/server/hono'
import { Hono } from 'hono'
import type { DevManifest } from 'tollgate'

export type StoreConfig =
  | { kind: 'folder'; folder: string }
  | { kind: 'postgres'; url: string; schema: string }
  | { kind: 'redis'; url: string; prefix: string }

export interface PaidServerConfig {
  port: number
  facilitatorUrl: string
  network: string
  asset: DevManifest['asset']
  payTo: string
  store: StoreConfig
  runsFile: string
  /** Milliseconds the handler takes, so concurrent presentations overlap. */
  handlerMs?: number
  crashAt?: 'stored' | 'settled' | 'handler'
  /** The gate's holder lease (`leaseMs`). */
  leaseMs?: number
}

const config = JSON.parse(process.env.PAID_SERVER_PROCESS ?? '{}') as PaidServerConfig

async function openStore(store: StoreConfig): Promise<ResponseStore> {
  if (store.kind === 'folder') return new FolderResponseStore({ folder: store.folder })
  if (store.kind === 'postgres')
    return PostgresResponseStore.open(store.url, { schema: store.schema })
  return new RedisResponseStore({ redis: store.url, prefix: store.prefix })
}

const inner = await openStore(config.store)
const store: ResponseStore =
  config.crashAt === 'stored' || config.crashAt === 'settled'
    ? {
        claim: (key, use) => inner.claim(key, use),
        get: (key) => inner.get(key),
        release: (key, holder) => inner.release(key, holder),
        takeOver: (key, holder, use) => inner.takeOver(key, holder, use),
        async replace(key, holder, use) {
          if (use.state === 'settled' && config.crashAt === 'settled')
            process.kill(process.pid, 'SIGKILL')
          const replaced = await inner.replace(key, holder, use)
          if (use.state === 'settled') process.kill(process.pid, 'SIGKILL')
          return replaced
        },
      }
    : inner

const app = new Hono()
app.use(
  paymentMiddleware({
    routes: {
      'GET /report': { price: '$0.001', network: config.network, payTo: config.payTo },
    },
    facilitator: { url: config.facilitatorUrl },
    schemes: [exactEvmServer({ assets: { [config.network]: config.asset } })],
    store,
    ...(config.leaseMs === undefined ? {} : { leaseMs: config.leaseMs }),
  }),
)
app.get('/report', async (c) => {
  const body = `report ${process.pid} ${crypto.randomUUID()}`
  await appendFile(config.runsFile, `${body}\n`)
  if (config.crashAt === 'handler') process.kill(process.pid, 'SIGKILL')
  if (config.handlerMs) await new Promise((resolve) => setTimeout(resolve, config.handlerMs))
  return c.json({ body })
})

const server = serve({ fetch: app.fetch, port: config.port, hostname: '127.0.0.1' }, (info) => {
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${info.port}` })}\n`)
})
process.on('SIGTERM', () => {
  server.close()
  process.exit(0)
})
