/**
 * The compliance blocklist on the app: a blocked payee or payer is refused with address_blocked
 * as a business rejection (200), in either answer shape, before the scheme sees the payment; a
 * file-backed list takes effect once it changes on disk.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type Blocklist, fileBlocklist, memoryBlocklist } from '@tollgate/facilitator'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  fakeApp,
  merchantAddress,
  network,
  payerAddress,
  paymentBody,
  post,
} from '../packages/facilitator/test/fakeScheme.ts'

const stranger = '0xfeedbeef00000000000000000000000000000009'
const blockedPayer = '0xAbCdEf000000000000000000000000000000C0dE'

describe('a memory blocklist', () => {
  // Listed in lowercase, paid from in checksum case: addresses compare case-insensitively.
  const blocklist = memoryBlocklist([blockedPayer.toLowerCase(), stranger])
  const blocked = paymentBody({ from: blockedPayer })

  it('refuses a blocked payer on /verify and /settle before the scheme', async () => {
    const { app, scheme } = fakeApp({ blocklist })
    expect(await post(app, '/verify', blocked)).toMatchObject({
      status: 200,
      body: {
        isValid: false,
        invalidReason: 'address_blocked',
        invalidMessage: 'the payer address is blocked',
      },
    })
    const settle = await post(app, '/settle', blocked)
    expect(settle.status).toBe(200)
    expect(settle.body).toEqual({
      success: false,
      errorReason: 'address_blocked',
      errorMessage: 'the payer address is blocked',
      transaction: '',
      network,
    })
    expect(scheme.calls).toEqual([])
  })

  it('refuses a blocked payee', async () => {
    const { app, scheme } = fakeApp({ blocklist })
    const body = paymentBody({ payTo: stranger.toUpperCase().replace('0X', '0x') })
    expect(await post(app, '/verify', body)).toMatchObject({
      status: 200,
      body: { isValid: false, invalidMessage: 'the payee address is blocked' },
    })
    expect(scheme.calls).toEqual([])
  })

  it('passes a payment between unlisted parties, also one whose payload names no payer', async () => {
    const { app, scheme } = fakeApp({ blocklist })
    const from = '0x2222222222222222222222222222222222222222'
    expect(await post(app, '/verify', paymentBody({ from, payTo: payerAddress }))).toMatchObject({
      status: 200,
      body: { isValid: true },
    })
    expect(await post(app, '/settle', paymentBody({ from: null }))).toMatchObject({
      status: 200,
      body: { success: true },
    })
    expect(scheme.calls.map((call) => call.operation)).toEqual(['verify', 'settle'])
  })

  it('answers 503 and keeps the payment from the scheme when the list cannot be read', async () => {
    const broken: Blocklist = { isBlocked: () => Promise.reject(new Error('disk gone')) }
    const { app, scheme } = fakeApp({ blocklist: broken })
    expect(await post(app, '/settle', blocked)).toMatchObject({
      status: 503,
      body: { success: false, errorReason: 'unexpected_settle_error', transaction: '' },
    })
    expect(scheme.calls).toEqual([])
  })
})

describe('a file blocklist', () => {
  let dir: string
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tollgate-operator-'))
  })
  afterAll(() => rm(dir, { recursive: true, force: true }))

  it('starts refusing a merchant once the file lists it', async () => {
    const path = join(dir, 'blocked.txt')
    await writeFile(path, `# nobody yet\n${stranger}\n`)
    const { app, scheme } = fakeApp({ blocklist: await fileBlocklist(path, { staleMsMax: 50 }) })
    expect(await post(app, '/verify', paymentBody())).toMatchObject({ body: { isValid: true } })

    await writeFile(path, JSON.stringify([stranger, merchantAddress.toLowerCase()]))
    await new Promise((resolve) => setTimeout(resolve, 60))
    expect(await post(app, '/verify', paymentBody())).toMatchObject({
      status: 200,
      body: { isValid: false, invalidReason: 'address_blocked' },
    })
    expect(scheme.calls).toHaveLength(1)
  })
})
