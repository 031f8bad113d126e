/**
 * Goal: a person with a browser wallet pays for a route from the paywall page and sees the
 * content and a receipt whose transaction is on chain; refusals (their own, the wallet's chain,
 * the server's) are explained; a hostile description runs nothing; programs keep their JSON 402.
 * Method: the dev stack, Debian's Chromium driven by playwright-core, and a test EIP-1193
 * wallet injected before page scripts that signs in Node with a devnet key.
 */
import { existsSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { paymentHeaders } from '@tollgate/core'
import { exactEvmServer } from '@tollgate/evm'
import { paymentMiddleware } from '@tollgate/server/hono'
import { Hono } from 'hono'
import { type Browser, chromium, type Page } from 'playwright-core'
import { type DevStack, type Listening, listen, rpcClient } from 'tollgate'
import type { Hex } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { payerAccount, startTestStack, transferCount } from './support/stack.ts'
import { installTestWallet, type TestWallet } from './support/testWallet.ts'

const root = resolve(import.meta.dirname, '..')
const artifacts = join(root, 'test-artifacts')
/** The README's screenshot is written when missing, or on request (`UPDATE_DOCS_SCREENSHOTS=1`). */
const docsScreenshot = join(root, 'docs/paywall.png')

let stack: DevStack
let browser: Browser
let shop: Listening
const hostile = `<img src=x onerror="window.pwned=1"><script>window.pwned=2</script>'"&`

beforeAll(async () => {
  await mkdir(artifacts, { recursive: true })
  stack = await startTestStack()
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox'],
  })
  shop = await listen(hostileShop(stack), 0)
})
afterAll(async () => {
  await browser?.close()
  await shop?.close()
  await stack?.stop()
})

/** A shop whose description is an attack, and whose second route sells an HTML page. */
function hostileShop({ manifest }: DevStack): Hono {
  const app = new Hono()
  const option = {
    price: '$0.001',
    network: manifest.network,
    payTo: manifest.accounts.merchant.address,
  }
  app.use(
    paymentMiddleware({
      routes: {
        'GET /hostile': { ...option, description: hostile },
        'GET /page': { ...option, description: 'A paid page' },
      },
      facilitator: { url: manifest.facilitatorUrl },
      schemes: [exactEvmServer({ assets: { [manifest.network]: manifest.asset } })],
      paywall: { appName: 'Tollgate test shop', testnet: true },
    }),
  )
  app.get('/hostile', (c) => c.text('ok'))
  app.get('/page', (c) =>
    c.html('<h1>The paid page</h1><script>parent.document.title = "escaped"</script>'),
  )
  return app
}

function wallet(overrides: Partial<TestWallet> = {}): TestWallet {
  return {
    account: payerAccount(stack.manifest),
    chainId: stack.manifest.chainId,
    calls: [],
    ...overrides,
  }
}

/** Opens `url` as a person would, with `testWallet` injected; the paywall answers 402. */
async function openPaywall(url: string, testWallet: TestWallet): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 900, height: 900 } })
  await installTestWallet(context, testWallet)
  const page = await context.newPage()
  const response = await page.goto(url)
  expect(response?.status()).toBe(402)
  expect(response?.headers()['content-type']).toBe('text/html; charset=utf-8')
  expect(response?.headers()[paymentHeaders.required.toLowerCase()]).toBeTruthy()
  return page
}

async function screenshot(page: Page, name: string) {
  await page.screenshot({ path: join(artifacts, `paywall-${name}.png`), fullPage: true })
}

const weatherUrl = () => `${stack.manifest.exampleApiUrl}/weather`
const payments = () =>
  transferCount(
    stack.manifest,
    stack.manifest.accounts.payer.address,
    stack.manifest.accounts.merchant.address,
  )

describe('paywall in a real browser', () => {
  it('pays for /weather and shows the weather and the on-chain transaction', async () => {
    const before = await payments()
    const page = await openPaywall(weatherUrl(), wallet())
    await expect(page.locator('h1').textContent()).resolves.toBe('Current weather for a city')
    await expect(page.locator('.price').textContent()).resolves.toBe('$0.001')
    const others = await page.locator('.others').textContent()
    expect(others).toContain('pay with a Solana wallet via an x402 client')
    await screenshot(page, 'offer')

    await page.click('#tg-pay')
    const transaction = page.locator('#tg-receipt-transaction')
    await transaction.waitFor({ timeout: 30_000 })
    const hash = (await transaction.textContent()) as Hex
    expect(hash).toMatch(/^0x[0-9a-f]{64}$/)
    const weather = JSON.parse((await page.locator('#tg-content pre').textContent()) ?? '')
    expect(weather).toMatchObject({ city: 'Lisbon', temperatureC: expect.any(Number) })
    await expect(page.locator('#tg-receipt').textContent()).resolves.toContain(
      stack.manifest.accounts.payer.address,
    )
    await screenshot(page, 'paid')
    if (!existsSync(docsScreenshot) || process.env.UPDATE_DOCS_SCREENSHOTS === '1')
      await page.screenshot({ path: docsScreenshot, fullPage: true })

    const receipt = await rpcClient(stack.manifest.rpcUrl).getTransactionReceipt({ hash })
    expect(receipt.status).toBe('success')
    expect(await payments()).toBe(before + 1)
    await page.context().close()
  })

  it('offers to switch a wallet on another chain, then pays', async () => {
    const testWallet = wallet({ chainId: 1 })
    const page = await openPaywall(weatherUrl(), testWallet)
    await page.click('#tg-pay')
    const error = page.locator('#tg-error')
    await error.waitFor()
    await expect(error.textContent()).resolves.toContain(
      `Your wallet is on chain 1; this payment is on Local devnet (${stack.manifest.network})`,
    )
    await screenshot(page, 'wrong-chain')
    await page.click('#tg-error-action')
    await page.locator('#tg-receipt-transaction').waitFor({ timeout: 30_000 })
    expect(testWallet.chainId).toBe(stack.manifest.chainId)
    expect(testWallet.calls).toContain('wallet_switchEthereumChain')
    await page.context().close()
  })

  it('says so when the signature is declined, and charges nothing', async () => {
    const before = await payments()
    const page = await openPaywall(weatherUrl(), wallet({ rejectSignatures: true }))
    await page.click('#tg-pay')
    await page.locator('#tg-error').waitFor()
    await expect(page.locator('#tg-error-text').textContent()).resolves.toBe(
      'You declined the request in your wallet; nothing was paid.',
    )
    await expect(page.locator('#tg-pay').isEnabled()).resolves.toBe(true)
    await screenshot(page, 'declined')
    expect(await payments()).toBe(before)
    await page.context().close()
  })

  it("shows the server's reason when it refuses the payment", async () => {
    const broke = wallet({ account: privateKeyToAccount(generatePrivateKey()) })
    const page = await openPaywall(weatherUrl(), broke)
    await page.click('#tg-pay')
    await page.locator('#tg-error').waitFor({ timeout: 30_000 })
    await expect(page.locator('#tg-error-text').textContent()).resolves.toMatch(
      /^The server refused the payment: invalid_exact_evm_insufficient_balance/,
    )
    await screenshot(page, 'refused')
    await page.context().close()
  })

  it('shows a hostile description as text, and nothing in it runs', async () => {
    const page = await openPaywall(`${shop.url}/hostile`, wallet({ rejectSignatures: true }))
    await expect(page.locator('h1').textContent()).resolves.toBe(hostile)
    await expect(page.locator('.badge').textContent()).resolves.toBe('Testnet: no real money')
    // The page's own script does run: it answers the button.
    await page.click('#tg-pay')
    await page.locator('#tg-error').waitFor()
    expect(await page.evaluate(() => Reflect.get(window, 'pwned'))).toBeUndefined()
    await screenshot(page, 'hostile')
    await page.context().close()
  })

  it('shows a paid HTML page in a frame where its scripts do not run', async () => {
    const page = await openPaywall(`${shop.url}/page`, wallet())
    await page.click('#tg-pay')
    await page.locator('#tg-receipt-transaction').waitFor({ timeout: 30_000 })
    const frame = page.frameLocator('#tg-content iframe')
    await expect(frame.locator('h1').textContent()).resolves.toBe('The paid page')
    expect(await page.title()).toBe('Payment required: A paid page')
    await page.context().close()
  })

  it('still answers programs with the JSON 402', async () => {
    for (const headers of [{}, { accept: 'text/html', 'user-agent': 'curl/8.5.0' }]) {
      const response = await fetch(weatherUrl(), { headers })
      expect(response.status).toBe(402)
      expect(response.headers.get('content-type')).toContain('application/json')
      expect(response.headers.get(paymentHeaders.required)).toBeTruthy()
      expect((await response.json()).accepts.length).toBeGreaterThan(0)
    }
  })
})
