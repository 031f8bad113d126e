/**
 * The operator dashboard in a real browser (Debian's Chromium, driven by playwright-core) against
 * the dev stack: payments settled on the devnet through the facilitator, one of them refused for
 * a payer without funds, then the page is checked as an operator would use it. The plots draw the
 * API's numbers, the table finds a payment by its transaction hash, the failed payment shows its
 * reason, a new payment appears without a reload, a phone-sized window has no sideways
 * scrolling, and a Solana payment is listed in USDC beside the EVM ones. Screenshots go to test-artifacts/; the overview one is also docs/dashboard.png.
 */
import { existsSync } from 'node:fs'
import { copyFile, mkdir } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { readReceipt, wrapFetch } from '@tollgate/client'
import type { PaymentRequirements } from '@tollgate/core'
import { ANVIL_ACCOUNTS } from '@tollgate/devnet'
import { exactEvmClient } from '@tollgate/evm'
import { agentIdentity, registerAgent } from '@tollgate/trust'
import { type Browser, chromium, type Page } from 'playwright-core'
import type { DevStack } from 'tollgate'
import type { Hex } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ourSolanaClient } from './support/solana.ts'
import {
  facilitatorBody,
  payerAccount,
  postFacilitator,
  signPayment,
  startTestStack,
  weatherRequirements,
} from './support/stack.ts'
import { trustClientFor } from './support/trust.ts'

const root = resolve(import.meta.dirname, '..')
const artifacts = join(root, 'test-artifacts')
let stack: DevStack
let browser: Browser
let requirements: PaymentRequirements
const settled: string[] = []
let failure: { payer: string; reason: string }

async function settleOne(): Promise<string> {
  const payload = await signPayment(stack.manifest, requirements)
  const answer = await postFacilitator(
    stack.manifest,
    '/settle',
    facilitatorBody(payload, requirements),
  )
  expect(answer.body).toMatchObject({ success: true })
  return String(answer.body.transaction)
}

beforeAll(async () => {
  stack = await startTestStack()
  requirements = weatherRequirements(stack.manifest)
  // One bought from the example API as a client does (its route declares itself for the
  // discovery catalogue), then two straight at the facilitator at once (they may share a
  // batch), then one alone.
  const pay = wrapFetch(fetch, {
    schemes: [
      exactEvmClient({
        signer: payerAccount(stack.manifest),
        assets: { [stack.manifest.network]: stack.manifest.asset },
      }),
    ],
  })
  const bought = await pay(`${stack.manifest.exampleApiUrl}/weather?city=Paris`)
  expect(bought.status).toBe(200)
  settled.push(String(readReceipt(bought)?.transaction))
  settled.push(...(await Promise.all([settleOne(), settleOne()])))
  settled.push(await settleOne())
  // A payer that never held any USDC: the facilitator takes the payment, then refuses it.
  const broke = privateKeyToAccount(generatePrivateKey())
  const payload = await signPayment(stack.manifest, requirements, { signer: broke })
  const refused = await postFacilitator(
    stack.manifest,
    '/settle',
    facilitatorBody(payload, requirements),
  )
  expect(refused.body).toMatchObject({ success: false, errorReason: expect.any(String) })
  failure = { payer: broke.address.toLowerCase(), reason: String(refused.body.errorReason) }
  await mkdir(artifacts, { recursive: true })
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox'],
  })
}, 120_000)

afterAll(async () => {
  await browser?.close()
  await stack?.stop()
})

async function openPage(viewport: { width: number; height: number }, hash = ''): Promise<Page> {
  const context = await browser.newContext({ viewport, deviceScaleFactor: 1 })
  const page = await context.newPage()
  const problems: string[] = []
  page.on('pageerror', (error) => problems.push(error.message))
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(message.text())
  })
  await page.goto(`${stack.manifest.facilitatorUrl}/dashboard${hash ? `/${hash}` : ''}`)
  await page.waitForSelector('.live-live', { timeout: 15_000 })
  expect(problems).toEqual([])
  return page
}

async function api<T>(path: string): Promise<T> {
  const response = await fetch(`${stack.manifest.facilitatorUrl}/api/${path}`)
  expect(response.status).toBe(200)
  return (await response.json()) as T
}

/** The sum of a chart's plotted values and the size of its canvas, as the page shows them. */
async function chart(page: Page, id: string) {
  const figure = page.locator(`[data-chart="${id}"]`)
  const box = await figure.locator('canvas').first().boundingBox()
  return { total: Number(await figure.getAttribute('data-total')), box }
}

const sum = (values: Array<number | null>) =>
  values.reduce<number>((total, value) => total + (value ?? 0), 0)

describe('dashboard in Chromium', () => {
  it('draws the overview plots from the API, at 1280×800', async () => {
    const page = await openPage({ width: 1280, height: 800 })
    await page.waitForSelector('[data-chart="payments"] canvas')
    const overview = await api<{
      totals: { payments: number; confirmed: number; failed: number }
      volume: Array<{ values: number[] }>
      latency: { count: number; series: Record<string, Array<number | null>> }
      gas: { series: { perPayment: Array<number | null> } }
      batchSizes: Array<{ transactions: number }>
    }>('overview?range=1h')
    expect(overview.totals).toMatchObject({ payments: 5, confirmed: 4, failed: 1 })
    expect(overview.latency.count).toBe(4)

    const expected: Record<string, number> = {
      payments: overview.totals.payments,
      volume: sum(overview.volume.flatMap((volume) => volume.values)),
      latency: sum(Object.values(overview.latency.series).flat()),
      gas: sum(overview.gas.series.perPayment),
      batches: sum(overview.batchSizes.map((row) => row.transactions)),
    }
    for (const [id, total] of Object.entries(expected)) {
      const drawn = await chart(page, id)
      expect({ id, total: drawn.total }).toEqual({ id, total: Math.round(total * 1e6) / 1e6 })
      expect(total).toBeGreaterThan(0)
      expect(drawn.box?.width).toBeGreaterThan(200)
      expect(drawn.box?.height).toBeGreaterThan(100)
    }
    // 0.004 USDC confirmed: four payments of $0.001.
    expect(expected.volume).toBeCloseTo(0.004, 9)
    await expect
      .poll(() => page.locator('[data-chart="outcomes"]').textContent())
      .toContain(failure.reason)
    await page.screenshot({ path: join(artifacts, 'dashboard-overview.png') })
    // The README's screenshot is written when missing, or on request, so a test run leaves the
    // tracked file alone.
    const docsScreenshot = join(root, 'docs/dashboard.png')
    if (!existsSync(docsScreenshot) || process.env.UPDATE_DOCS_SCREENSHOTS === '1')
      await copyFile(join(artifacts, 'dashboard-overview.png'), docsScreenshot)

    // Live: a new payment shows up without a reload.
    await settleOne()
    await expect
      .poll(async () => (await chart(page, 'payments')).total, { timeout: 15_000 })
      .toBe(expected.payments! + 1)
    await page.context().close()
  })

  it('finds a payment by its transaction hash and shows its history', async () => {
    const page = await openPage({ width: 1280, height: 800 }, '#/payments')
    const hash = settled[3]!
    await page.fill('input[name="q"]', hash)
    await page.press('input[name="q"]', 'Enter')
    const rows = page.locator('.payments-table tbody tr')
    await expect.poll(() => rows.count()).toBe(1)
    expect(await rows.first().locator('td[data-label="Transaction"]').getAttribute('title')).toBe(
      hash,
    )
    await rows.first().click()
    await page.waitForSelector('.timeline li')
    const states = await page.locator('.timeline .badge').allTextContents()
    expect(states).toEqual(['received', 'verified', 'submitted', 'confirmed'])
    expect(await page.locator('.detail').textContent()).toContain(hash)
    await page.screenshot({ path: join(artifacts, 'dashboard-payment.png'), fullPage: true })
    await page.context().close()
  })

  it('shows the failed payment with its reason', async () => {
    const page = await openPage({ width: 1280, height: 800 }, '#/payments?state=failed')
    const rows = page.locator('.payments-table tbody tr')
    await expect.poll(() => rows.count()).toBe(1)
    expect(await rows.first().textContent()).toContain(failure.reason)
    await rows.first().click()
    await page.waitForSelector('.failure-reason')
    expect(await page.locator('.failure-reason').textContent()).toBe(failure.reason)
    expect(await page.locator('.detail').textContent()).toContain(failure.payer)
    await page.screenshot({ path: join(artifacts, 'dashboard-failed.png'), fullPage: true })
    await page.context().close()
  })

  it('signers and revenue read from the facilitator and its ledger', async () => {
    const page = await openPage({ width: 1280, height: 800 }, '#/signers')
    await page.waitForSelector('.signers tbody tr')
    const signers = await page.locator('.signers').textContent()
    expect(signers?.toLowerCase()).toContain(
      stack.manifest.accounts.facilitator.address.toLowerCase(),
    )
    await page.screenshot({ path: join(artifacts, 'dashboard-signers.png'), fullPage: true })
    await page.goto(`${stack.manifest.facilitatorUrl}/dashboard/#/revenue`)
    await page.waitForSelector('.revenue tbody tr')
    // Five payments of $0.001 confirmed by now (the live check above added one).
    expect(await page.locator('.revenue').textContent()).toContain('0.005 USDC')
    // The example API's route, named by its catalogue entry.
    await expect
      .poll(() => page.locator('.revenue').textContent(), { timeout: 15_000 })
      .toContain('Current weather for a city')
    await page.screenshot({ path: join(artifacts, 'dashboard-revenue.png'), fullPage: true })
    await page.context().close()
  })

  it('fits a phone (390×844) without sideways scrolling', async () => {
    for (const hash of ['', '#/payments', '#/signers', '#/revenue']) {
      const page = await openPage({ width: 390, height: 844 }, hash)
      await page.waitForSelector(hash === '' ? '[data-chart="payments"] canvas' : 'tbody tr')
      const width = await page.evaluate(() => ({
        scroll: document.documentElement.scrollWidth,
        view: window.innerWidth,
      }))
      expect({ hash, ...width }).toEqual({ hash, scroll: 390, view: 390 })
      const name = hash.replace(/^#\//, '') || 'overview'
      await page.screenshot({
        path: join(artifacts, `dashboard-phone-${name}.png`),
        fullPage: true,
      })
      await page.context().close()
    }
  })

  it('shows a Solana payment beside the EVM ones, in USDC, with its signature', async () => {
    const pay = wrapFetch(fetch, { schemes: [await ourSolanaClient(stack)] })
    const bought = await pay(`${stack.manifest.exampleApiUrl}/weather?city=Quito`)
    expect(bought.status).toBe(200)
    const signature = String(readReceipt(bought)?.transaction)
    const page = await openPage({ width: 1280, height: 800 }, '#/payments')
    await page.fill('input[name="q"]', signature)
    await page.press('input[name="q"]', 'Enter')
    const rows = page.locator('.payments-table tbody tr')
    await expect.poll(() => rows.count()).toBe(1)
    const cell = (label: string) => rows.first().locator(`td[data-label="${label}"]`)
    expect(await cell('Transaction').getAttribute('title')).toBe(signature)
    expect(await cell('Amount').textContent()).toBe('0.001 USDC')
    expect(await cell('Network').textContent()).toBe('Solana (local devnet)')
    expect(await cell('Payer').getAttribute('title')).toBe(stack.manifest.solana.payer.address)
    await rows.first().click()
    await page.waitForSelector('.timeline li')
    const states = await page.locator('.timeline .badge').allTextContents()
    expect(states).toEqual(['received', 'verified', 'submitted', 'confirmed'])
    await page.screenshot({ path: join(artifacts, 'dashboard-solana.png'), fullPage: true })
    await page.context().close()
  })
  it('lists the agents served on credit with their reputation, and what they owe', async () => {
    const trustAs = (key: Hex) => trustClientFor(stack.manifest, privateKeyToAccount(key))
    const payer = payerAccount(stack.manifest)
    const dataUri = async (bytes: Uint8Array) =>
      `data:application/json;base64,${Buffer.from(bytes).toString('base64')}`
    const owner = trustAs(stack.manifest.accounts.payer.privateKey as Hex)
    const { agentId } = await registerAgent(owner, { name: 'dashboard-agent' }, dataUri)
    await owner.setAgentWallet(agentId, payer)
    // The example seller trusts the merchant's ratings.
    await trustAs(ANVIL_ACCOUNTS[3]!.privateKey).giveFeedback({
      agentId,
      value: 88,
      publish: dataUri,
    })
    const pay = wrapFetch(fetch, {
      schemes: [
        exactEvmClient({
          signer: payer,
          assets: { [stack.manifest.network]: stack.manifest.asset },
        }),
      ],
      identify: agentIdentity({ signer: payer, agentRegistry: owner.agentRegistry, agentId }),
    })
    const report = await pay(`${stack.manifest.exampleApiUrl}/report`)
    expect(readReceipt(report)).toMatchObject({ transaction: '' })
    const page = await openPage({ width: 1280, height: 800 }, '#/credit')
    const row = page.locator('.credit tbody tr', { hasText: `#${agentId}` })
    await expect.poll(() => row.count(), { timeout: 15_000 }).toBe(1)
    const cell = (label: string) => row.locator(`td[data-label="${label}"]`)
    expect(await cell('Reputation').textContent()).toBe('88 (1 review)')
    expect(await cell('Served on credit').textContent()).toBe('1')
    // Settled in the background within a second or so; the view follows on the next read.
    await expect
      .poll(
        async () => {
          await page.reload()
          await page.waitForSelector('.credit tbody tr')
          return cell('Settled').textContent()
        },
        { timeout: 15_000 },
      )
      .toBe('0.001 USDC')
    expect(await cell('Defaulted').textContent()).toBe('0 USDC')
    await page.screenshot({ path: join(artifacts, 'dashboard-credit.png'), fullPage: true })
    await page.context().close()
  })
})
