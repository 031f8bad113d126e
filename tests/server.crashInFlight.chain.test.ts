/**
 * Goal: a resource server killed while a payment is in flight does not lock the buyer out for
 * the record's lifetime. Killed after the facilitator answered settle success and before the
 * response was stored, or while the handler runs, it leaves an in-flight record whose holder
 * lease runs out within seconds; the buyer's retry of the same payment, on the restarted server
 * or on a second instance sharing the store, takes the payment over and gets a 200 whose
 * receipt names the one debit on chain, and only that response is delivered. Method: the dev
 * stack (anvil, the real facilitator); the paid API in processes of their own on the compiled
 * packages with the default lease, one killed with SIGKILL at the point under test; the real
 * fetch client with its retry of unknown outcomes.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type PaymentOutcome, wrapFetch } from '@tollgate/client'
import { decodePaymentResponseHeader, decodePaymentUse } from '@tollgate/core'
import { exactEvmClient } from '@tollgate/evm'
import { type DevStack, rpcClient } from 'tollgate'
import { type Address, erc20Abi } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  freePort,
  handlerRuns,
  type PaidServerChild,
  paidServerConfig,
  spawnPaidServer,
} from './support/spawnPaidServer.ts'
import { payerAccount, startTestStack, tokenBalance } from './support/stack.ts'

let stack: DevStack
let scratch: string
const children: PaidServerChild[] = []

beforeAll(async () => {
  stack = await startTestStack()
  scratch = await mkdtemp(join(tmpdir(), 'tollgate-crash-in-flight-'))
})
afterAll(async () => {
  for (const child of children) await child.stop()
  await stack?.stop()
  await rm(scratch, { recursive: true, force: true })
})

async function start(config: Parameters<typeof spawnPaidServer>[0]): Promise<PaidServerChild> {
  const child = await spawnPaidServer(config)
  children.push(child)
  return child
}

/** The debits from payer to merchant on chain, as transaction hashes. */
async function debits(payer: string, merchant: string): Promise<string[]> {
  const logs = await rpcClient(stack.manifest.rpcUrl).getContractEvents({
    address: stack.manifest.asset.address as Address,
    abi: erc20Abi,
    eventName: 'Transfer',
    args: { from: payer as Address, to: merchant as Address },
    fromBlock: 0n,
  })
  return logs.map((log) => log.transactionHash)
}

describe('a resource server killed with a payment in flight', () => {
  const settledUnstored = 'after settle succeeded, before the response is stored'
  it.each([
    { when: settledUnstored, crashAt: 'settled', retryOn: 'the restarted server' },
    { when: settledUnstored, crashAt: 'settled', retryOn: 'a second instance' },
    { when: 'while the handler runs', crashAt: 'handler', retryOn: 'the restarted server' },
    { when: 'while the handler runs', crashAt: 'handler', retryOn: 'a second instance' },
  ] as const)(
    'killed $when: the retry on $retryOn gets the 200 of the one debit',
    { timeout: 120_000 },
    async ({ crashAt, retryOn }) => {
      const { manifest } = stack
      const payer = manifest.accounts.payer.address
      const merchant = manifest.accounts.merchant.address
      const run = `${crashAt}-${retryOn.replaceAll(' ', '-')}`
      const folder = join(scratch, run)
      const runsFile = join(scratch, `${run}.runs`)
      const port = await freePort()
      const config = paidServerConfig(manifest, { kind: 'folder', folder }, runsFile, { port })
      const doomed = await start({ ...config, crashAt })
      const other =
        retryOn === 'a second instance'
          ? await start(paidServerConfig(manifest, { kind: 'folder', folder }, runsFile))
          : undefined
      const debitsBefore = await debits(payer, merchant)
      const balanceBefore = await tokenBalance(manifest, payer)

      let restarted: Promise<PaidServerChild> | undefined
      let target = `http://127.0.0.1:${port}`
      const outcomes: PaymentOutcome[] = []
      const pay = wrapFetch(
        async (input, init) => {
          const request = input instanceof Request ? input : new Request(input, init)
          const url = request.url.replace(`http://127.0.0.1:${port}`, target)
          try {
            return await fetch(new Request(url, request))
          } catch (error) {
            // The answer was lost with the process: it is started again where it was, or a load
            // balancer sends the retry to the other instance.
            if (other) target = other.url
            else restarted ??= doomed.exited.then(() => start(config))
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
          retry: { attempts: 8, delayMs: 500 },
          onOutcome: (outcome) => outcomes.push(outcome),
        },
      )
      const response = await pay(`http://127.0.0.1:${port}/report`)

      expect(await doomed.exited).toBe('SIGKILL')
      expect(response.status).toBe(200)
      expect(outcomes.map((outcome) => outcome.state)).toEqual(['settled'])
      // The killed process ran the handler once; the one that took the payment over ran it
      // again, and only that run's body left.
      const runs = await handlerRuns(runsFile)
      expect(runs).toHaveLength(2)
      const body = await response.text()
      expect(JSON.parse(body)).toEqual({ body: runs[1] })
      const header = response.headers.get('PAYMENT-RESPONSE')!
      const receipt = decodePaymentResponseHeader(header)
      expect(receipt).toMatchObject({ success: true })

      // One debit, and the receipt names it.
      const newDebits = (await debits(payer, merchant)).slice(debitsBefore.length)
      expect(newDebits).toEqual([receipt.transaction])
      const price = BigInt(manifest.routes[0]!.amount)
      expect(await tokenBalance(manifest, payer)).toBe(balanceBefore - price)

      // The record is settled with what was delivered, so a later repeat gets the same.
      const names = (await readdir(folder)).filter((name) => name.endsWith('.json'))
      expect(names).toHaveLength(1)
      const stored = decodePaymentUse(await readFile(join(folder, names[0]!), 'utf8'))
      expect(stored.state).toBe('settled')
      expect(stored.response?.headers['payment-response']).toBe(header)
      expect(new TextDecoder().decode(stored.response?.body)).toBe(body)
    },
  )
})
