import type { PaymentRequirements } from '@tollgate/core'
import { getAddress, type Hex } from 'viem'
import { describe, expect, it } from 'vitest'
import type { Authorization } from '../exact/eip3009/payload.ts'
import { settledFor } from './paymentIdentity.ts'
import { RecentVerifications } from './recentVerifications.ts'
import { authorizationFields, type VerifiedPayment } from './verify.ts'

const requirements: PaymentRequirements = {
  scheme: 'exact',
  network: 'eip155:31337',
  amount: '1000',
  asset: '0x5FbDB2315678afecb367f032d93F642f64180aa3',
  payTo: '0x90F79bf6EB2c4f870365E785982E1f101E93b906',
  maxTimeoutSeconds: 300,
  extra: { name: 'USDC', version: '2' },
}
const authorization: Authorization = {
  from: '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC',
  to: requirements.payTo,
  value: '1000',
  validAfter: '0',
  validBefore: '1900000000',
  nonce: `0x${'ab'.repeat(32)}`,
}
const signature: Hex = `0x${'cd'.repeat(65)}`
const verified: VerifiedPayment = {
  payer: getAddress(authorization.from),
  asset: getAddress(requirements.asset),
  authorization,
  signature: { inner: signature },
}

describe('RecentVerifications', () => {
  it('gives a verification back once, for the same payment written in any case', () => {
    const recent = new RecentVerifications(10_000, Date.now)
    recent.remember(requirements, signature, verified)
    const sameInOtherCase = {
      ...authorization,
      from: authorization.from.toLowerCase(),
      nonce: authorization.nonce.toUpperCase().replace('0X', '0x'),
    }
    const payTo = requirements.payTo.toLowerCase()
    expect(recent.take({ ...requirements, payTo }, sameInOtherCase, signature)).toBe(verified)
    expect(recent.take(requirements, authorization, signature)).toBeUndefined()
  })

  it.each(authorizationFields)('never for an authorization with another %s', (field) => {
    const recent = new RecentVerifications(10_000, Date.now)
    recent.remember(requirements, signature, verified)
    const others: Authorization = {
      from: `0x${'11'.repeat(20)}`,
      to: `0x${'22'.repeat(20)}`,
      value: '1001',
      validAfter: '1',
      validBefore: '1900000001',
      nonce: `0x${'ef'.repeat(32)}`,
    }
    const value = others[field]
    expect(recent.take(requirements, { ...authorization, [field]: value }, signature)).toBe(
      undefined,
    )
    // The genuine payment still finds it.
    expect(recent.take(requirements, authorization, signature)).toBe(verified)
  })

  it('never for another signature or other requirements', () => {
    const recent = new RecentVerifications(10_000, Date.now)
    recent.remember(requirements, signature, verified)
    expect(recent.take(requirements, authorization, `0x${'ce'.repeat(65)}`)).toBeUndefined()
    for (const changed of [
      { scheme: 'ex\u0430ct' },
      { network: 'eip155:1' },
      { amount: '5' },
      { payTo: authorization.from },
      { extra: { name: 'usdc', version: '2' } },
    ]) {
      expect(recent.take({ ...requirements, ...changed }, authorization, signature)).toBe(undefined)
    }
  })
})

describe('settledFor', () => {
  it('ignores case of addresses, timeouts and extra, but not a homoglyph scheme', () => {
    const paid = settledFor(requirements)
    expect(settledFor({ ...requirements, payTo: requirements.payTo.toLowerCase() })).toBe(paid)
    expect(settledFor({ ...requirements, asset: requirements.asset.toLowerCase() })).toBe(paid)
    const loose: PaymentRequirements = { ...requirements, maxTimeoutSeconds: 5, extra: {} }
    expect(settledFor(loose)).toBe(paid)
    expect(settledFor({ ...requirements, scheme: 'ex\u0430ct' })).not.toBe(paid)
    expect(settledFor({ ...requirements, amount: '1001' })).not.toBe(paid)
  })
})
