/**
 * Goal: an operator sees payment channels and usage-based charges on the dashboard. After a
 * buyer pays the example API three times with vouchers and once with `upto`, `/api/channels`
 * lists the channel with the deposit that left the payer's wallet, the seller's charge, what is
 * outstanding until the example seller's claim timer claims it, then nothing outstanding; the
 * `upto` payment is listed at the amount charged with the maximum the buyer authorized. Chromium
 * shows both: the Channels view's row and "of 0.007 USDC (upto)" in the payments table.
 * Method: the dev stack; our client (wrapFetch with the voucher and upto schemes); the payer's
 * token balance read from the chain; the built page in Debian's Chromium (a screenshot of the
 * Channels view goes to test-artifacts/).
 */
import { mkdir } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { wrapFetch } from '@tollgate/client'
import { batchSettlementEvmClient, uptoEvmClient } from '@tollgate/evm'
import { chromium } from 'playwright-core'
import type { DevStack } from 'tollgate'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { payerAccount, startTestStack, tokenBalance } from './support/stack.ts'

const artifacts = join(resolve(import.meta.dirname, '..'), 'test-artifacts')
let stack: DevStack
afterAll(() => stack?.stop())

interface ChannelRow {
  scheme: string
  network: string
  channelId: string
  payer: string
  payTo: string
  balance: string
  totalClaimed: string
  charged?: string
  outstanding?: string
  symbol?: string
  transactions: number
}

async function api<T>(path: string): Promise<T> {
  const response = await fetch(`${stack.manifest.facilitatorUrl}/api/${path}`)
  expect(response.status).toBe(200)
  return (await response.json()) as T
}

beforeAll(async () => {
  stack = await startTestStack()
}, 120_000)

describe('dashboard: channels and upto charges', () => {
  it('shows the channel as the chain and the seller know it, and what an upto payment charged', async () => {
    const { manifest } = stack
    const signer = payerAccount(manifest)
    const assets = { [manifest.network]: manifest.asset }
    const pay = wrapFetch(fetch, {
      schemes: [batchSettlementEvmClient({ signer, assets }), uptoEvmClient({ signer, assets })],
    })
    const before = await tokenBalance(manifest, signer.address)
    for (let i = 0; i < 3; i++) {
      const response = await pay(`${manifest.exampleApiUrl}/joke`)
      expect(response.status, await response.clone().text()).toBe(200)
      await response.arrayBuffer()
    }
    const deposited = before - (await tokenBalance(manifest, signer.address))
    expect(deposited).toBeGreaterThan(3_000n)
    const forecast = await pay(`${manifest.exampleApiUrl}/forecast?days=2`)
    expect(forecast.status).toBe(200)
    await forecast.arrayBuffer()

    // Before the seller's next claim the three charges are outstanding; after it, none is.
    let channels: ChannelRow[] = []
    const seen = new Set<string>()
    for (let attempt = 0; attempt < 60; attempt++) {
      channels = (await api<{ channels: ChannelRow[] }>('channels')).channels
      const row = channels[0]
      if (row) seen.add(`${row.totalClaimed}|${row.outstanding}`)
      if (row?.totalClaimed === '3000') break
      await new Promise((resolve) => setTimeout(resolve, 250))
    }
    expect(channels).toHaveLength(1)
    expect(channels[0]).toMatchObject({
      scheme: 'batch-settlement',
      network: manifest.network,
      payer: signer.address.toLowerCase(),
      payTo: manifest.accounts.merchant.address.toLowerCase(),
      balance: deposited.toString(),
      totalClaimed: '3000',
      charged: '3000',
      outstanding: '0',
      symbol: 'USDC',
    })
    expect(channels[0]!.transactions).toBeGreaterThanOrEqual(2)
    // Every read, before the seller's claim or after it: what is outstanding is what was
    // charged and not claimed.
    for (const pair of seen) {
      const [claimed, outstanding] = pair.split('|')
      expect(BigInt(claimed!) + BigInt(outstanding!)).toBe(3_000n)
    }

    const { payments } = await api<{
      payments: Array<{ scheme: string; amount: string; authorizedAmount?: string }>
    }>('payments')
    const upto = payments.find((payment) => payment.scheme === 'upto')
    expect(upto).toMatchObject({ amount: '2000', authorizedAmount: '7000' })
    expect(payments.filter((payment) => payment.authorizedAmount !== undefined)).toHaveLength(1)

    const browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      headless: true,
      args: ['--no-sandbox'],
    })
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 600 } })
      await page.goto(`${manifest.facilitatorUrl}/dashboard/#/channels`)
      const row = page.locator('.channels tbody tr')
      await row.first().waitFor({ timeout: 15_000 })
      expect(await row.count()).toBe(1)
      const text = ((await row.first().textContent()) ?? '').replace(/\s+/g, ' ')
      expect(text).toContain('0.003 USDC')
      expect(text).toContain(`${Number(deposited) / 1e6} USDC`)
      await mkdir(artifacts, { recursive: true })
      await page.screenshot({ path: join(artifacts, 'dashboard-channels.png'), fullPage: true })
      await page.goto(`${manifest.facilitatorUrl}/dashboard/#/payments`)
      await page.locator('.upto-of').first().waitFor({ timeout: 15_000 })
      expect(((await page.locator('.upto-of').first().textContent()) ?? '').trim()).toBe(
        'of 0.007 USDC (upto)',
      )
    } finally {
      await browser.close()
    }
  }, 90_000)
})
