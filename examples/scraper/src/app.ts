import type { ResponseStore, SchemeServer } from '@tollgate/core'
import { paymentMiddleware } from '@tollgate/server/hono'
import { Hono } from 'hono'
import { extractPage } from './extract.ts'
import { type FetchLimits, FetchRefused, fetchPage } from './fetchPage.ts'

export { extractPage } from './extract.ts'
export { type FetchLimits, FetchRefused, fetchPage } from './fetchPage.ts'

export interface ScraperOptions {
  /** CAIP-2 network paid on, and who is paid. */
  network: string
  payTo: string
  facilitatorUrl: string
  /** An `exact` and an `upto` scheme server, e.g. `exactEvmServer()` and `uptoEvmServer()`. */
  schemes: readonly SchemeServer[]
  /** Dollars a page. @default 0.002 */
  pricePerPage?: number
  /** Most pages one crawl may fetch (and what its `upto` authorization covers). @default 10 */
  crawlPagesMax?: number
  limits?: FetchLimits
  store?: ResponseStore
}

/**
 * What a refusal means to the buyer: its status, always a 4xx, since the same request would fail
 * again (a 5xx would have a paying client present its payment again). None is charged.
 */
const statusOf: Record<FetchRefused['code'], 400 | 422 | 424> = {
  url_invalid: 400,
  address_not_allowed: 422,
  not_html: 422,
  too_large: 422,
  // The page's site failed: a failed dependency.
  too_many_redirects: 424,
  timed_out: 424,
  upstream_failed: 424,
}

/**
 * A scraper for LLMs, paid per page: `POST /scrape {url}` returns the page as Markdown for the
 * price of one page (`exact`); `POST /crawl {url, maxPages}` follows same-site links and charges
 * only the pages it fetched (`upto`, authorized for `crawlPagesMax`). A page that cannot be
 * fetched or read is answered with the reason and charged nothing.
 */
export function createScraperApp(options: ScraperOptions): Hono {
  const perPage = options.pricePerPage ?? 0.002
  const pagesMax = options.crawlPagesMax ?? 10
  const dollars = (value: number) => `$${value.toFixed(6)}`
  const app = new Hono()
  app.use(
    paymentMiddleware({
      routes: {
        'POST /scrape': {
          price: dollars(perPage),
          network: options.network,
          payTo: options.payTo,
          description: 'One web page as clean Markdown',
          mimeType: 'application/json',
          discovery: {
            bodyType: 'json',
            input: { url: 'https://example.com/' },
            inputSchema: {
              properties: { url: { type: 'string', format: 'uri' } },
              required: ['url'],
            },
          },
        },
        'POST /crawl': {
          scheme: 'upto',
          price: dollars(perPage * pagesMax),
          network: options.network,
          payTo: options.payTo,
          description: `A site's pages as Markdown, ${dollars(perPage)} a page fetched, up to ${pagesMax}`,
          mimeType: 'application/json',
          discovery: {
            bodyType: 'json',
            input: { url: 'https://example.com/', maxPages: 3 },
            inputSchema: {
              properties: {
                url: { type: 'string', format: 'uri' },
                maxPages: { type: 'integer', minimum: 1, maximum: pagesMax },
              },
              required: ['url'],
            },
          },
        },
      },
      facilitator: { url: options.facilitatorUrl },
      schemes: options.schemes,
      ...(options.store ? { store: options.store } : {}),
    }),
  )

  app.post('/scrape', async (c) => {
    const { url } = await readBody(c.req.raw)
    if (typeof url !== 'string') return c.json(urlMissing, 400)
    try {
      const page = await fetchPage(url, options.limits)
      const extracted = extractPage(page.html, page.url)
      return c.json({ url: page.url, title: extracted.title, markdown: extracted.markdown })
    } catch (error) {
      return refusal(error, c)
    }
  })

  app.post('/crawl', async (c) => {
    const body = await readBody(c.req.raw)
    if (typeof body.url !== 'string') return c.json(urlMissing, 400)
    const url = body.url
    const asked = Number(body.maxPages ?? 5)
    const maxPages = Number.isInteger(asked) ? Math.min(Math.max(asked, 1), pagesMax) : 5
    let start: URL
    try {
      start = new URL(url)
    } catch {
      return c.json({ error: 'url_invalid', message: `${url.slice(0, 200)} is not a URL` }, 400)
    }
    const pages: { url: string; title: string; markdown: string }[] = []
    const skipped: { url: string; error: string }[] = []
    const queue = [start.href]
    const seen = new Set(queue)
    while (queue.length > 0 && pages.length < maxPages) {
      const next = queue.shift()!
      try {
        const page = await fetchPage(next, options.limits)
        const extracted = extractPage(page.html, page.url)
        pages.push({ url: page.url, title: extracted.title, markdown: extracted.markdown })
        for (const link of extracted.links) {
          if (new URL(link).origin !== start.origin || seen.has(link)) continue
          seen.add(link)
          queue.push(link)
        }
      } catch (error) {
        // The first page must be fetched; a later one that cannot be is skipped, not charged.
        if (pages.length === 0) return refusal(error, c)
        skipped.push({
          url: next,
          error: error instanceof FetchRefused ? error.code : 'upstream_failed',
        })
      }
    }
    // Charged: the pages fetched, not the pages authorized.
    c.header('Settlement-Overrides', JSON.stringify({ amount: dollars(perPage * pages.length) }))
    return c.json({
      url: start.href,
      pages,
      skipped,
      charged: { pages: pages.length, usd: dollars(perPage * pages.length) },
    })
  })
  return app
}

const urlMissing = { error: 'url_invalid', message: 'send a JSON body {"url": "https://…"}' }

async function readBody(request: Request): Promise<{ url?: unknown; maxPages?: unknown }> {
  const body: unknown = await request.json().catch(() => undefined)
  return typeof body === 'object' && body !== null ? body : {}
}

function refusal(
  error: unknown,
  c: { json: (body: unknown, status: 400 | 422 | 424) => Response },
): Response {
  if (error instanceof FetchRefused)
    return c.json({ error: error.code, message: error.message }, statusOf[error.code])
  return c.json({ error: 'upstream_failed', message: (error as Error).message }, 424)
}
