/**
 * The scraper example on the dev stack, scraping pages served locally: a scrape is paid per page
 * (`exact`) and a crawl per page fetched (`upto`, charged the pages, not the authorization). Every
 * fetch it refuses (a private or loopback address, a redirect to one, a redirect loop, a page too
 * large or too slow, something not a page, a non-http URL) is answered with the reason and
 * charged nothing.
 */
import { readReceipt, wrapFetch } from '@tollgate/client'
import { exactEvmClient, exactEvmServer, uptoEvmClient, uptoEvmServer } from '@tollgate/evm'
import { Hono } from 'hono'
import { type DevStack, listen, startDevStack } from 'tollgate'
import { privateKeyToAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createScraperApp } from '../src/app.ts'

let stack: DevStack
let pages: Awaited<ReturnType<typeof listen>>
let scraper: Awaited<ReturnType<typeof listen>>
let pay: typeof fetch

const article = (
  title: string,
  links: string[],
) => `<!doctype html><html><head><title>${title}</title></head><body>
<nav><a href="/">home</a></nav><article><h1>${title}</h1>
<p>${title} is a page about the sea, long enough for a reader view to take it for an article: the tide rises twice a day and falls twice, about fifty minutes later each day, because the moon pulls the water.</p>
<p>${links.map((link) => `<a href="${link}">${link}</a>`).join(' ')}</p></article></body></html>`

beforeAll(async () => {
  stack = await startDevStack({ rpcPort: 0, facilitatorPort: 0, apiPort: 0, solanaPort: 0 })
  const site = new Hono()
  site.get('/article', (c) =>
    c.html(article('Tides', ['/a2', '/a3', '/a4', 'https://elsewhere.example/'])),
  )
  site.get('/a2', (c) => c.html(article('Moon', ['/article'])))
  site.get('/a3', (c) => c.html(article('Sun', ['/a2'])))
  site.get('/a4', (c) => c.html(article('Wind', [])))
  site.get('/loop', (c) => c.redirect('/loop'))
  site.get('/to-metadata', (c) => c.redirect('http://169.254.169.254/latest/meta-data/'))
  site.get('/big', (c) => c.html(`<p>${'x'.repeat(3 * 1024 * 1024)}</p>`))
  site.get('/image', (c) =>
    c.body(new Uint8Array([137, 80, 78, 71]), 200, { 'content-type': 'image/png' }),
  )
  site.get('/slow', () => new Promise<Response>(() => undefined))
  pages = await listen(site, 0)
  const { manifest } = stack
  const assets = { [manifest.network]: manifest.asset }
  scraper = await listen(
    createScraperApp({
      network: manifest.network,
      payTo: manifest.accounts.merchant.address,
      facilitatorUrl: manifest.facilitatorUrl,
      schemes: [exactEvmServer({ assets }), uptoEvmServer({ assets })],
      // The test's own pages are on 127.0.0.1: this host alone is let through.
      limits: { allowHosts: [new URL(pages.url).host], timeoutMs: 1500, maxBytes: 1024 * 1024 },
    }),
    0,
  )
  const signer = privateKeyToAccount(manifest.accounts.payer.privateKey)
  pay = wrapFetch(fetch, {
    schemes: [exactEvmClient({ signer, assets }), uptoEvmClient({ signer, assets })],
  })
})
afterAll(async () => {
  await scraper?.close()
  await pages?.close()
  await stack?.stop()
})

const post = (path: string, body: unknown, fetcher: typeof fetch = pay) =>
  fetcher(`${scraper.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })

async function balance(): Promise<bigint> {
  const { manifest } = stack
  const { rpcClient } = await import('tollgate')
  return rpcClient(manifest.rpcUrl).readContract({
    address: manifest.asset.address,
    abi: [
      {
        type: 'function',
        name: 'balanceOf',
        stateMutability: 'view',
        inputs: [{ type: 'address' }],
        outputs: [{ type: 'uint256' }],
      },
    ],
    functionName: 'balanceOf',
    args: [manifest.accounts.payer.address],
  }) as Promise<bigint>
}

describe('the scraper example', () => {
  it('asks for payment, then returns the page as Markdown for one page’s price', async () => {
    const unpaid = await post('/scrape', { url: `${pages.url}/article` }, fetch)
    expect(unpaid.status).toBe(402)
    const before = await balance()
    const response = await post('/scrape', { url: `${pages.url}/article` })
    expect(response.status).toBe(200)
    const body = (await response.json()) as { title: string; markdown: string }
    expect(body.title).toBe('Tides')
    expect(body.markdown).toMatch(/^# Tides\n/)
    expect(body.markdown).toContain('the tide rises twice a day')
    expect(readReceipt(response)?.success).toBe(true)
    expect(before - (await balance())).toBe(2000n)
  })

  it('crawls same-site pages and charges the pages it fetched, not the ten authorized', async () => {
    const before = await balance()
    const response = await post('/crawl', { url: `${pages.url}/article`, maxPages: 3 })
    expect(response.status).toBe(200)
    const body = (await response.json()) as { pages: { url: string; title: string }[] }
    expect(body.pages.map((page) => page.title)).toEqual(['Tides', 'Moon', 'Sun'])
    expect(body.pages.every((page) => page.url.startsWith(pages.url))).toBe(true)
    const receipt = readReceipt(response)
    expect(receipt).toMatchObject({ success: true, amount: '6000' })
    expect(before - (await balance())).toBe(6000n)
  })

  it.each([
    ['a loopback address', () => `${scraper.url}/`, 422, 'address_not_allowed'],
    [
      'the cloud metadata address',
      () => 'http://169.254.169.254/latest/meta-data/',
      422,
      'address_not_allowed',
    ],
    ['a private network', () => 'http://10.0.0.1/', 422, 'address_not_allowed'],
    [
      'a redirect to the metadata address',
      () => `${pages.url}/to-metadata`,
      422,
      'address_not_allowed',
    ],
    ['a redirect loop', () => `${pages.url}/loop`, 424, 'too_many_redirects'],
    ['a page too large', () => `${pages.url}/big`, 422, 'too_large'],
    ['a page too slow', () => `${pages.url}/slow`, 424, 'timed_out'],
    ['a page that is not there', () => `${pages.url}/missing`, 424, 'upstream_failed'],
    ['an image', () => `${pages.url}/image`, 422, 'not_html'],
    ['a file URL', () => 'file:///etc/passwd', 400, 'url_invalid'],
  ])('refuses %s with the reason, and charges nothing', async (_what, target, status, error) => {
    const before = await balance()
    const response = await post('/scrape', { url: target() })
    expect(response.status).toBe(status)
    expect(((await response.json()) as { error: string }).error).toBe(error)
    expect(await balance()).toBe(before)
  })
})
