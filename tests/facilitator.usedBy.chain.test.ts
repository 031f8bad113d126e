/**
 * An authorization someone else already used on chain: the answer names the transaction that
 * used it (its `AuthorizationUsed` log), so the payee and the agent can reconcile the payment.
 */
import { reasonOf } from '@tollgate/core'
import { ANVIL_ACCOUNTS } from '@tollgate/devnet'
import type { DevStack } from 'tollgate'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  facilitatorBody,
  postFacilitator,
  signPayment,
  startFacilitator,
  startTestStack,
  type TestFacilitator,
  weatherRequirements,
} from './support/stack.ts'

let stack: DevStack
let other: TestFacilitator

beforeAll(async () => {
  stack = await startTestStack()
  // Another facilitator with a ledger of its own: it never saw the first settlement.
  other = await startFacilitator(stack, { signerKey: ANVIL_ACCOUNTS[7].privateKey })
})
afterAll(async () => {
  await other?.close()
  await stack?.stop()
})

describe('an authorization used on chain by someone else', () => {
  it('verify and settle name the transaction that used it', async () => {
    const requirements = weatherRequirements(stack.manifest)
    const body = facilitatorBody(await signPayment(stack.manifest, requirements), requirements)
    const first = await postFacilitator(stack.manifest, '/settle', body)
    expect(first.body.success).toBe(true)
    const transaction = String(first.body.transaction)

    const verify = await postFacilitator(other.manifest, '/verify', body)
    expect(verify.body).toMatchObject({
      isValid: false,
      invalidReason: reasonOf('EVM_EXACT_NONCE_USED'),
    })
    expect(String(verify.body.invalidMessage)).toContain(transaction)

    const settle = await postFacilitator(other.manifest, '/settle', body)
    expect(settle.body.success).toBe(false)
    expect(settle.body.errorReason).toBe(reasonOf('EVM_EXACT_NONCE_USED'))
    expect(String(settle.body.errorMessage)).toContain(transaction)
  })
})
