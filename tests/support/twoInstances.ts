import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { preparePayment } from '@tollgate/client'
import {
  decodePaymentRequiredHeader,
  encodePaymentHeader,
  type PaymentPayload,
} from '@tollgate/core'
import { exactEvmClient } from '@tollgate/evm'
import type { DevStack } from 'tollgate'
import { expect } from 'vitest'
import type { StoreConfig } from './paidServerProcess.ts'
import { handlerRuns, paidServerConfig, spawnPaidServer } from './spawnPaidServer.ts'
import { payerAccount, transferCount } from './stack.ts'

/** A response as the buyer sees it, to compare answers byte for byte. */
async function seen(response: Response) {
  return {
    status: response.status,
    receipt: response.headers.get('PAYMENT-RESPONSE'),
    body: await response.text(),
  }
}

/**
 * Two instances of a paid API on one store: a payment served by A and retried on B gets A's
 * stored response; the same payment without its id is refused on B; one payment sent to both at
 * once runs the handler once. Two debits in all, for the two payments.
 */
export async function checkTwoInstances(stack: DevStack, store: StoreConfig): Promise<void> {
  const { manifest } = stack
  const scratch = await mkdtemp(join(tmpdir(), 'tollgate-instances-'))
  const runsFile = join(scratch, 'runs')
  const config = paidServerConfig(manifest, store, runsFile, { handlerMs: 300 })
  const [a, b] = await Promise.all([spawnPaidServer(config), spawnPaidServer(config)])
  try {
    const payer = manifest.accounts.payer.address
    const merchant = manifest.accounts.merchant.address
    const transfersBefore = await transferCount(manifest, payer, merchant)
    const sign = async (): Promise<PaymentPayload> => {
      const unpaid = await fetch(`${a.url}/report`)
      const required = decodePaymentRequiredHeader(unpaid.headers.get('PAYMENT-REQUIRED')!)
      const prepared = await preparePayment(required, `${a.url}/report`, {
        schemes: [
          exactEvmClient({
            signer: payerAccount(manifest),
            assets: { [manifest.network]: manifest.asset },
          }),
        ],
      })
      return prepared.payment
    }
    const present = (base: string, payment: PaymentPayload) =>
      fetch(`${base}/report`, {
        headers: { 'PAYMENT-SIGNATURE': encodePaymentHeader(payment).value },
      })

    const payment = await sign()
    expect(payment.extensions?.['payment-identifier']).toBeDefined()
    const onA = await seen(await present(a.url, payment))
    expect(onA.status).toBe(200)
    const onB = await seen(await present(b.url, payment))
    expect(onB).toEqual(onA)
    const { extensions: _, ...withoutId } = payment
    const bare = await present(b.url, withoutId)
    expect(bare.status).toBe(402)
    expect(decodePaymentRequiredHeader(bare.headers.get('PAYMENT-REQUIRED')!).error).toBe(
      'payment_already_in_use',
    )
    expect(await handlerRuns(runsFile)).toHaveLength(1)

    const second = await sign()
    const both = await Promise.all([
      seen(await present(a.url, second)),
      seen(await present(b.url, second)),
    ])
    expect(await handlerRuns(runsFile)).toHaveLength(2)
    const served = both.filter((answer) => answer.status === 200)
    expect(served.length).toBeGreaterThan(0)
    for (const answer of both) expect([200, 409]).toContain(answer.status)
    for (const answer of served) expect(answer).toEqual(served[0])
    expect(await transferCount(manifest, payer, merchant)).toBe(transfersBefore + 2)
  } finally {
    await Promise.all([a.stop(), b.stop()])
    await rm(scratch, { recursive: true, force: true })
  }
}
