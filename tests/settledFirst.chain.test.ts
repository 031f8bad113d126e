/**
 * Goal: a payment settled straight at the facilitator's `/settle` before the buyer's request
 * reaches the gate (a server retrying, or whoever saw the header) still gets the buyer served,
 * once: `/verify` agrees with what `/settle` answers for that very payload. Settled by another
 * facilitator, whose ledger this one does not hold, it stays refused as a used nonce.
 * Method: the dev stack's example API and facilitator, the fetch client with a fetch underneath
 * that settles the payment first, and a second facilitator on its own wallet and ledger.
 */
import { wrapFetch } from '@tollgate/client'
import {
  decodePaymentRequiredHeader,
  decodePaymentResponseHeader,
  encodePaymentHeader,
  type PaymentPayload,
} from '@tollgate/core'
import { ANVIL_ACCOUNTS } from '@tollgate/devnet'
import { exactEvmClient } from '@tollgate/evm'
import type { DevStack } from 'tollgate'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  facilitatorBody,
  payerAccount,
  postFacilitator,
  startFacilitator,
  startTestStack,
  transferCount,
} from './support/stack.ts'

let stack: DevStack

beforeAll(async () => {
  stack = await startTestStack()
})
afterAll(() => stack?.stop())

/** The fetch client, whose paid request is settled at `facilitatorUrl` before it is sent. */
function frontRunningPayer(facilitatorUrl: string) {
  const { manifest } = stack
  const sent: PaymentPayload[] = []
  const settled: Record<string, unknown>[] = []
  const underneath: typeof fetch = async (input, init) => {
    const payment = sent.at(-1)
    const request = new Request(input, init)
    if (payment && request.headers.has('PAYMENT-SIGNATURE')) {
      const answer = await postFacilitator(
        { ...manifest, facilitatorUrl },
        '/settle',
        facilitatorBody(payment, payment.accepted),
      )
      settled.push(answer.body)
    }
    return fetch(request)
  }
  const pay = wrapFetch(underneath, {
    schemes: [
      exactEvmClient({
        signer: payerAccount(manifest),
        assets: { [manifest.network]: manifest.asset },
      }),
    ],
    onPayment: (payment) => sent.push(payment),
  })
  return { pay, sent, settled }
}

const payer = () => stack.manifest.accounts.payer.address
const merchant = () => stack.manifest.accounts.merchant.address

describe('a payment settled at the facilitator before the gate sees it', () => {
  it('is served to the buyer once, with the settlement that already paid it', async () => {
    const { manifest } = stack
    const before = await transferCount(manifest, payer(), merchant())
    const { pay, sent, settled } = frontRunningPayer(manifest.facilitatorUrl)
    const url = `${manifest.exampleApiUrl}/weather?city=Oslo`
    const response = await pay(url)
    expect(settled).toHaveLength(1)
    expect(settled[0]).toMatchObject({ success: true })
    expect(response.status).toBe(200)
    const receipt = decodePaymentResponseHeader(response.headers.get('PAYMENT-RESPONSE') ?? '')
    expect(receipt).toMatchObject({ success: true, transaction: settled[0]!.transaction })
    const body = await response.text()
    expect(await transferCount(manifest, payer(), merchant())).toBe(before + 1)

    // Presented again: the stored response, nothing paid or served anew.
    const header = encodePaymentHeader(sent[0]!).value
    const again = await fetch(url, { headers: { 'PAYMENT-SIGNATURE': header } })
    expect(again.status).toBe(200)
    expect(await again.text()).toBe(body)
    expect(await transferCount(manifest, payer(), merchant())).toBe(before + 1)
  })

  it('settled by another facilitator, stays refused as a used nonce', async () => {
    const { manifest } = stack
    const other = await startFacilitator(stack, { signerKey: ANVIL_ACCOUNTS[9].privateKey })
    try {
      const { pay, settled } = frontRunningPayer(other.manifest.facilitatorUrl)
      const response = await pay(`${manifest.exampleApiUrl}/weather?city=Lima`)
      expect(settled[0]).toMatchObject({ success: true })
      expect(response.status).toBe(402)
      const required = decodePaymentRequiredHeader(response.headers.get('PAYMENT-REQUIRED') ?? '')
      expect(required.error).toBe('invalid_exact_evm_nonce_already_used')
    } finally {
      await other.close()
    }
  })
})
