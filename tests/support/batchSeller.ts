/**
 * The pieces the batch-settlement tests share: a dev stack per test file with what must be
 * closed before it stops, and a Tollgate Express gate selling one route with vouchers.
 */
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FacilitatorClient, ResponseStore } from '@tollgate/core'
import {
  type BatchSettlementEvmServerOptions,
  batchSettlementEvmServer,
  FolderChannelStore,
} from '@tollgate/evm'
import { paymentMiddleware as tollgateExpress } from '@tollgate/server/express'
import express from 'express'
import type { DevStack } from 'tollgate'
import type { Hex } from 'viem'
import { afterAll, beforeAll } from 'vitest'
import { startExpress } from './officialParts.ts'
import { startTestStack } from './stack.ts'

/** Starts a dev stack before the file's tests; after them closes `closers` (newest first), then the stack. */
export function devStackForFile() {
  const closers: Array<() => Promise<void>> = []
  let stack: DevStack | undefined
  beforeAll(async () => {
    stack = await startTestStack()
  })
  afterAll(async () => {
    for (const close of closers.reverse()) await close()
    await stack?.stop()
  })
  return {
    closers,
    stack(): DevStack {
      if (!stack) throw new Error('the dev stack is not started yet')
      return stack
    },
  }
}

export interface BatchSeller {
  url: string
  scheme: ReturnType<typeof batchSettlementEvmServer>
  /** How many requests the route's handler served. */
  served(): number
}

/**
 * `GET <path>` for $0.001 with batch-settlement, paid to `payTo`, behind the Tollgate Express
 * gate; the seller's channels in a fresh folder unless `scheme` options say otherwise.
 */
export async function startBatchSeller(
  stack: DevStack,
  closers: Array<() => Promise<void>>,
  options: {
    payTo: string
    path?: string
    facilitator?: FacilitatorClient | { url: string }
    store?: ResponseStore
    scheme?: BatchSettlementEvmServerOptions
    body?: unknown
  },
): Promise<BatchSeller> {
  const { manifest } = stack
  const path = options.path ?? '/page'
  const scheme = batchSettlementEvmServer({
    assets: { [manifest.network]: { ...manifest.asset, address: manifest.asset.address as Hex } },
    store: new FolderChannelStore(await mkdtemp(join(tmpdir(), 'tollgate-channels-'))),
    ...options.scheme,
  })
  const app = express()
  app.use(
    tollgateExpress({
      routes: {
        [`GET ${path}`]: {
          scheme: 'batch-settlement',
          price: '$0.001',
          network: manifest.network,
          payTo: options.payTo,
        },
      },
      facilitator: options.facilitator ?? { url: manifest.facilitatorUrl },
      schemes: [scheme],
      ...(options.store ? { store: options.store } : {}),
    }),
  )
  let served = 0
  app.get(path, (_req, res) => {
    served++
    res.json(options.body ?? { page: true })
  })
  return { url: await startExpress(app, closers), scheme, served: () => served }
}
