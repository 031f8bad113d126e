import {
  decodePaymentResponseHeader,
  type FacilitatorClient,
  paymentHeaders,
  type ResponseStore,
  type SchemeServer,
  type SettleResponse,
} from '@tollgate/core'
import {
  canonicalPath,
  type PaywallOptions,
  type RoutesConfig,
  type VerifiedPayment,
} from '@tollgate/server'
import { paymentMiddleware } from '@tollgate/server/hono'
import { SIGN_IN_WITH_X, SiwxGate, type SiwxGateOptions, type SiwxRequest } from '@tollgate/trust'
import { type Context, Hono } from 'hono'
import { type Article, checkArticles, articles as shippedArticles } from './articles.ts'
import { type ArticleListing, articlePage, listPage, missingPage } from './pages.ts'
import type { Purchases } from './purchases.ts'
import { type SignInNote, withSignInChallenge } from './signInChallenge.ts'

export { type Article, articles, checkArticles } from './articles.ts'
export {
  FolderPurchases,
  type FolderPurchasesOptions,
  MemoryPurchases,
  type Purchase,
  type Purchases,
} from './purchases.ts'
export { signInChallengeOf, signInFirst } from './signInFirst.ts'

export interface NewsOptions {
  /** CAIP-2 network paid on (an `eip155:*` one: readers sign in with the wallet that paid). */
  network: string
  payTo: string
  /** A facilitator client, or the URL of one. */
  facilitator: FacilitatorClient | { url: string }
  /** An `exact` scheme server for the network, e.g. `exactEvmServer()`. */
  schemes: readonly SchemeServer[]
  /** Who bought what: `FolderPurchases` to keep them across restarts. */
  purchases: Purchases
  /** @default the articles of `articles.ts` */
  articles?: readonly Article[] | undefined
  /** @default 'Tollgate News' */
  siteName?: string | undefined
  /** The page browsers get for an unpaid article. @default { appName: siteName } */
  paywall?: false | PaywallOptions | undefined
  /** The payment gate's record of payments and released responses. */
  store?: ResponseStore | undefined
  /**
   * How sign-ins are checked (the chain is the network's): a shared `secret` and `usedNonces`
   * for several instances, `recover` for faster EOA recovery, `now` for tests.
   */
  signIn?: Omit<SiwxGateOptions, 'chains'> | undefined
  /** A purchase that could not be recorded or looked up (the reader is still served or asked). */
  onError?: ((error: unknown) => void) | undefined
}

type NewsEnv = { Variables: { article: Article; reader: string } }

const wantsJson = (c: Context) => (c.req.header('accept') ?? '').includes('application/json')

/**
 * A news site sold one article at a time: `GET /` lists the articles for free (HTML, or JSON
 * for `Accept: application/json`); `GET /articles/:slug` asks the article's price (`exact`),
 * with the paywall page for people in a browser and the x402 402 for agents. Each 402 also
 * offers sign-in-with-x: once a payment for an article settled, its payer may read it again by
 * signing in with the same wallet, and pays nothing. An unknown slug is a 404, never a 402.
 * @example
 * const app = createNewsApp({ network, payTo, facilitator: { url }, schemes: [exactEvmServer()],
 *   purchases: new FolderPurchases({ folder: '.tollgate/news/purchases' }) })
 */
export function createNewsApp(options: NewsOptions): Hono<NewsEnv> {
  const list = options.articles ?? shippedArticles
  checkArticles(list)
  if (!options.network.startsWith('eip155:'))
    throw new Error(`the news site signs readers in on EVM networks, not ${options.network}`)
  const siteName = options.siteName ?? 'Tollgate News'
  const bySlug = new Map(list.map((article) => [article.slug, article]))
  const signIns = new SiwxGate({
    ...options.signIn,
    chains: [{ chainId: options.network, type: 'eip191' }],
  })
  const routes: RoutesConfig = Object.fromEntries(
    list.map((article) => [
      `GET /articles/${article.slug}`,
      {
        price: article.price,
        network: options.network,
        payTo: options.payTo,
        description: article.title,
        mimeType: 'text/html',
      },
    ]),
  )
  const pay = paymentMiddleware({
    routes,
    facilitator: options.facilitator,
    schemes: options.schemes,
    paywall: options.paywall ?? { appName: siteName },
    ...(options.store ? { store: options.store } : {}),
  })
  const report = (error: unknown) => options.onError?.(error)

  // Routed on the gate's canonical path (decoded, lowercase, no trailing slash), so a spelling
  // of a path the gate prices always reaches the same handler (x402 paywall-bypass lesson).
  const app = new Hono<NewsEnv>({
    getPath: (request) => canonicalPath(new URL(request.url).pathname),
  })

  app.get('/', (c) => {
    const origin = new URL(c.req.url).origin
    const listings: ArticleListing[] = list.map((article) => ({
      slug: article.slug,
      title: article.title,
      summary: article.summary,
      price: article.price,
      publishedAt: article.publishedAt,
      url: `${origin}/articles/${article.slug}`,
    }))
    if (wantsJson(c)) return c.json({ name: siteName, articles: listings })
    return c.html(listPage(siteName, listings))
  })

  app.use('/articles/:slug', async (c, next) => {
    const slug = c.req.param('slug')
    const article = bySlug.get(slug)
    // Checked before the gate, which prices only the articles there are: nothing to sell, no 402.
    if (!article) {
      if (wantsJson(c)) return c.json({ error: 'not_found', message: `no article ${slug}` }, 404)
      return c.html(missingPage(siteName, slug), 404)
    }
    c.set('article', article)
    const request: SiwxRequest = {
      url: c.req.url,
      operation: { method: c.req.method, path: `/articles/${slug}`, price: article.price },
    }
    const header = c.req.header(SIGN_IN_WITH_X)
    let note: SignInNote | undefined
    if (header !== undefined) {
      const verdict = await signIns.verify(header, request)
      if (verdict.ok) {
        let bought: boolean
        try {
          bought = await options.purchases.has(verdict.address, slug)
        } catch (error) {
          report(error)
          // Asking again for payment would charge a reader who may have paid: a retry is fairer.
          return c.json(
            { error: 'purchases_unavailable', message: 'purchases cannot be read; retry shortly' },
            503,
          )
        }
        if (bought) {
          c.set('reader', verdict.address)
          return next()
        }
        note = { address: verdict.address, purchased: false }
      } else note = { refused: verdict.reason, message: verdict.message }
    }
    // The gate answers itself (a 402, a stored replay) by returning, or lets the article out
    // by setting `c.res` after it settled.
    const returned = await pay(c, next)
    const response = returned instanceof Response ? returned : c.res
    const answered =
      response.status === 402
        ? await withSignInChallenge(response, signIns.challenge(request), note)
        : response
    if (answered !== c.res) {
      // Cleared first, so Hono does not merge the old response's headers into the new one.
      c.res = undefined
      c.res = answered
    }
    const receipt = settledReceipt(answered)
    const payer = receipt?.payer ?? paidBy(c)
    if (!receipt || !payer) return
    // Recorded only now: the gate released the article, so its payment settled.
    await options.purchases
      .record({
        address: payer,
        slug,
        transaction: receipt.transaction,
        network: receipt.network,
        amount: receipt.amount ?? '',
        at: new Date().toISOString(),
      })
      .catch(report)
  })

  app.get('/articles/:slug', (c) => {
    const article = c.get('article')
    c.header('cache-control', 'private, no-store')
    if (!wantsJson(c)) return c.html(articlePage(siteName, article))
    const reader = c.get('reader')
    const payer = paidBy(c)
    return c.json({
      slug: article.slug,
      title: article.title,
      publishedAt: article.publishedAt,
      price: article.price,
      body: article.body,
      ...(reader ? { readBy: { address: reader, via: 'sign-in' } } : {}),
      ...(payer ? { readBy: { address: payer, via: 'payment' } } : {}),
    })
  })
  return app
}

/** Who paid for this request, when the gate verified a payment for it. */
function paidBy(c: Context): string | undefined {
  const payment: VerifiedPayment | undefined = c.get('x402')
  return payment?.payer
}

/**
 * The receipt of a released paid response whose payment settled on chain; undefined for a
 * free response, a failed settlement or a receipt with no transaction (nothing moved yet).
 */
function settledReceipt(response: Response): SettleResponse | undefined {
  if (response.status < 200 || response.status >= 300) return undefined
  const header =
    response.headers.get(paymentHeaders.response) ?? response.headers.get(paymentHeaders.v1Response)
  if (!header) return undefined
  try {
    const receipt = decodePaymentResponseHeader(header)
    return receipt.success && receipt.transaction ? receipt : undefined
  } catch {
    return undefined
  }
}
