/**
 * Goal: a paid response lost because the resource server died after settling, before writing
 * it, is not lost money: the buyer's retry of the same payment (same payment-identifier id) gets
 * the stored 200 with its receipt, and the chain shows one debit. Method: the dev stack (anvil,
 * the real facilitator); the paid API in a process of its own on the compiled packages, killed
 * with SIGKILL right after the settled response is stored, then started again on the same port
 * and folder; the real fetch client with its retry of unknown outcomes.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type PaymentOutcome, wrapFetch } from '@tollgate/client'
import { decodePaymentResponseHeader, decodePaymentUse } from '@tollgate/core'
import { exactEvmClient } from '@tollgate/evm'
import type { DevStack } from 'tollgate'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  freePort,
  handlerRuns,
  type PaidServerChild,
  paidServerConfig,
  spawnPaidServer,
} from './support/spawnPaidServer.ts'
import { payerAccount, startTestStack, tokenBalance, transferCount } from './support/stack.ts'

let stack: DevStack
let scratch: string
const children: PaidServerChild[] = []

beforeAll(async () => {
  stack = await startTestStack()
  scratch = await mkdtemp(join(tmpdir(), 'tollgate-crash-'))
})
afterAll(async () => {
  for (const child of children) await child.stop()
  await stack?.stop()
  await rm(scratch, { recursive: true, force: true })
})

describe('a resource server killed after settlement', () => {
  it('answers the retry with the stored 200 and its receipt; one debit', async () => {
    const { manifest } = stack
    const payer = manifest.accounts.payer.address
    const merchant = manifest.accounts.merchant.address
    const folder = join(scratch, 'store')
    const runsFile = join(scratch, 'runs')
    const port = await freePort()
    const config = paidServerConfig(manifest, { kind: 'folder', folder }, runsFile, { port })
    const doomed = await spawnPaidServer({ ...config, crashAt: 'stored' })
    children.push(doomed)
    const transfersBefore = await transferCount(manifest, payer, merchant)
    const balanceBefore = await tokenBalance(manifest, payer)

    let restarted: Promise<PaidServerChild> | undefined
    const outcomes: PaymentOutcome[] = []
    const pay = wrapFetch(
      async (input, init) => {
        try {
          return await fetch(input, init)
        } catch (error) {
          // The answer was lost with the process: a supervisor starts it again where it was.
          restarted ??= doomed.exited.then(async () => {
            const again = await spawnPaidServer(config)
            children.push(again)
            return again
          })
          await restarted
          throw error
        }
      },
      {
        schemes: [
          exactEvmClient({
            signer: payerAccount(manifest),
            assets: { [manifest.network]: manifest.asset },
          }),
        ],
        retry: { attempts: 5, delayMs: 200 },
        onOutcome: (outcome) => outcomes.push(outcome),
      },
    )
    const response = await pay(`http://127.0.0.1:${port}/report`)

    expect(await doomed.exited).toBe('SIGKILL')
    expect(restarted).toBeDefined()
    expect(response.status).toBe(200)
    const runs = await handlerRuns(runsFile)
    expect(runs).toHaveLength(1)
    const body = await response.text()
    expect(JSON.parse(body)).toEqual({ body: runs[0] })
    const header = response.headers.get('PAYMENT-RESPONSE')!
    expect(decodePaymentResponseHeader(header)).toMatchObject({ success: true })
    expect(outcomes.map((outcome) => [outcome.state, outcome.attempts])).toEqual([['settled', 2]])

    // What was replayed is what the killed process stored before it died.
    const names = (await readdir(folder)).filter((name) => name.endsWith('.json'))
    expect(names).toHaveLength(1)
    const stored = decodePaymentUse(await readFile(join(folder, names[0]!), 'utf8'))
    expect(stored.state).toBe('settled')
    expect(stored.response?.headers['payment-response']).toBe(header)
    expect(new TextDecoder().decode(stored.response?.body)).toBe(body)

    expect(await transferCount(manifest, payer, merchant)).toBe(transfersBefore + 1)
    const price = BigInt(manifest.routes[0]!.amount)
    expect(await tokenBalance(manifest, payer)).toBe(balanceBefore - price)
  })
})
