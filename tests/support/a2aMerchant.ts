import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DefaultRequestHandler } from '@a2a-js/sdk/server'
import {
  a2aHono,
  FolderTaskStore,
  type PaidAgentOptions,
  paidAgentCard,
  paidAgentExecutor,
} from '@tollgate/a2a'
import { exactEvmServer } from '@tollgate/evm'
import { FolderResponseStore } from '@tollgate/server'
import { type DevManifest, type DevStack, listen } from 'tollgate'
import { afterAll, beforeAll } from 'vitest'
import { startTestStack, transferCount } from './stack.ts'

export interface A2aMerchant {
  url: string
  close(): Promise<void>
}

/**
 * A merchant agent on a free port, priced at `$0.001` a task, its tasks and payments kept in
 * `folder` so a second merchant on the same folder is the first one restarted.
 */
export async function startA2aMerchant(
  manifest: DevManifest,
  folder: string,
  work: PaidAgentOptions['work'],
  options: Partial<PaidAgentOptions> & { port?: number } = {},
): Promise<A2aMerchant> {
  const { port = 0, ...rest } = options
  let app: { fetch: (request: Request) => Response | Promise<Response> } | undefined
  const server = await listen({ fetch: (request) => app!.fetch(request) }, port)
  const url = `${server.url}/`
  const card = paidAgentCard({ name: 'Researcher', description: 'Answers questions', url })
  const executor = paidAgentExecutor({
    facilitator: { url: manifest.facilitatorUrl },
    schemes: [exactEvmServer({ assets: { [manifest.network]: manifest.asset } })],
    pricing: {
      price: '$0.001',
      network: manifest.network,
      payTo: manifest.accounts.merchant.address,
    },
    agentUrl: url,
    description: 'A research answer',
    store: new FolderResponseStore({ folder: `${folder}/responses` }),
    work,
    ...rest,
  })
  const handler = new DefaultRequestHandler(card, new FolderTaskStore(`${folder}/tasks`), executor)
  app = a2aHono(handler)
  return { url, close: () => server.close() }
}

/**
 * A dev stack and one merchant agent for a test file, started before its tests and stopped
 * after; `debits` counts the payer's transfers to the merchant on the devnet.
 */
export function merchantAgentForFile(work: PaidAgentOptions['work']) {
  let stack: DevStack | undefined
  let merchant: A2aMerchant | undefined
  beforeAll(async () => {
    stack = await startTestStack()
    merchant = await startA2aMerchant(
      stack.manifest,
      await mkdtemp(join(tmpdir(), 'tollgate-a2a-')),
      work,
    )
  })
  afterAll(async () => {
    await merchant?.close()
    await stack?.stop()
  })
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('the dev stack is not started yet')
    return value
  }
  return {
    stack: () => started(stack),
    merchant: () => started(merchant),
    debits: () => {
      const { manifest } = started(stack)
      return transferCount(
        manifest,
        manifest.accounts.payer.address,
        manifest.accounts.merchant.address,
      )
    },
  }
}
