/**
 * The news example on the dev stack: the first read of an article pays its price on chain; the
 * same wallet then reads it again by signing in with x, paying nothing, also after the site
 * restarts on the same purchase folder. Another wallet's sign-in, a replayed or expired one, and
 * an unknown article never get the article for free; a browser gets the paywall page.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { readReceipt, wrapFetch } from '@tollgate/client'
import { paymentHeaders, reasonOf } from '@tollgate/core'
import { exactEvmClient, exactEvmServer, recoverMessageSigner } from '@tollgate/evm'
import { encodeSiwxHeader, SIGN_IN_WITH_X, signSiwxChallenge } from '@tollgate/trust'
import { type DevStack, type Listening, listen, rpcClient, startDevStack } from 'tollgate'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createNewsApp, FolderPurchases, signInChallengeOf, signInFirst } from '../src/app.ts'

let stack: DevStack
let news: Listening
let folder: string
let payer: ReturnType<typeof privateKeyToAccount>
let read: typeof fetch

const asJson = { accept: 'application/json' }

function startNews(): Promise<Listening> {
  const { manifest } = stack
  return listen(
    createNewsApp({
      network: manifest.network,
      payTo: manifest.accounts.merchant.address,
      facilitator: { url: manifest.facilitatorUrl },
      schemes: [exactEvmServer({ assets: { [manifest.network]: manifest.asset } })],
      purchases: new FolderPurchases({ folder }),
      signIn: { recover: recoverMessageSigner },
    }),
    0,
  )
}

beforeAll(async () => {
  stack = await startDevStack({ rpcPort: 0, facilitatorPort: 0, apiPort: 0, solanaPort: 0 })
  folder = await mkdtemp(join(tmpdir(), 'news-chain-'))
  news = await startNews()
  const { manifest } = stack
  payer = privateKeyToAccount(manifest.accounts.payer.privateKey)
  read = wrapFetch(signInFirst(fetch, payer), {
    schemes: [exactEvmClient({ signer: payer, assets: { [manifest.network]: manifest.asset } })],
  })
})
afterAll(async () => {
  await news?.close()
  await stack?.stop()
  if (folder) await rm(folder, { recursive: true, force: true })
})

async function balance(): Promise<bigint> {
  const { manifest } = stack
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

/** A sign-in header for `path`, answering a fresh challenge, signed by `signer`. */
async function signIn(
  path: string,
  signer: { address: string; signMessage(input: { message: string }): Promise<`0x${string}`> },
  change: Record<string, string> = {},
): Promise<string> {
  const url = `${news.url}${path}`
  const challenge = signInChallengeOf(await fetch(url, { headers: asJson }), url)
  if (!challenge) throw new Error(`${path} offered no sign-in`)
  return encodeSiwxHeader(await signSiwxChallenge({ ...challenge, ...change }, signer))
}

/** A plain request with a sign-in and no payment: its status and what it says of the sign-in. */
async function withSignIn(path: string, header: string) {
  const response = await fetch(`${news.url}${path}`, {
    headers: { ...asJson, [SIGN_IN_WITH_X]: header },
  })
  const body = (await response.json()) as {
    signIn?: { refused?: string; purchased?: boolean }
    body?: string[]
  }
  return { status: response.status, signIn: body.signIn, served: body.body !== undefined }
}

describe('the news example', () => {
  it('charges the first read of an article its price, once it settled', async () => {
    const before = await balance()
    const response = await read(`${news.url}/articles/tide-tables`, { headers: asJson })
    expect(response.status).toBe(200)
    expect(readReceipt(response)).toMatchObject({ success: true, payer: payer.address })
    const article = (await response.json()) as { title: string; readBy: { via: string } }
    expect(article).toMatchObject({ title: 'Why the tide is late every day' })
    expect(article.readBy.via).toBe('payment')
    expect(before - (await balance())).toBe(10_000n)
    expect(await readdir(join(folder, payer.address.toLowerCase()))).toEqual(['tide-tables.json'])
  })

  it('serves the same wallet again on its sign-in alone: no payment, no receipt', async () => {
    const before = await balance()
    const response = await read(`${news.url}/articles/tide-tables`, { headers: asJson })
    expect(response.status).toBe(200)
    expect(response.headers.get(paymentHeaders.response)).toBeNull()
    expect(await response.json()).toMatchObject({
      readBy: { address: payer.address, via: 'sign-in' },
    })
    expect(await balance()).toBe(before)
  })

  it("answers another wallet's sign-in for the article with the 402, and serves nothing", async () => {
    const other = privateKeyToAccount(generatePrivateKey())
    const answer = await withSignIn(
      '/articles/tide-tables',
      await signIn('/articles/tide-tables', other),
    )
    expect(answer).toEqual({
      status: 402,
      signIn: { address: other.address, purchased: false },
      served: false,
    })
  })

  it('refuses a replayed or expired sign-in of the payer with the 402', async () => {
    const before = await balance()
    const honest = await signIn('/articles/tide-tables', payer)
    expect(await withSignIn('/articles/tide-tables', honest)).toMatchObject({
      status: 200,
      served: true,
    })
    expect(await withSignIn('/articles/tide-tables', honest)).toEqual({
      status: 402,
      signIn: { refused: reasonOf('SIWX_NONCE_INVALID'), message: expect.any(String) },
      served: false,
    })
    const expired = await signIn('/articles/tide-tables', payer, {
      expirationTime: new Date(Date.now() - 1_000).toISOString(),
    })
    expect(await withSignIn('/articles/tide-tables', expired)).toMatchObject({
      status: 402,
      signIn: { refused: reasonOf('SIWX_EXPIRED') },
      served: false,
    })
    // The purchase is of one article: signing in does not open another.
    expect(
      await withSignIn('/articles/night-ferry', await signIn('/articles/night-ferry', payer)),
    ).toMatchObject({ status: 402, signIn: { purchased: false } })
    expect(await balance()).toBe(before)
  })

  it('gives a browser the paywall page for an article', async () => {
    const response = await fetch(`${news.url}/articles/a-penny-an-article`, {
      headers: {
        accept: 'text/html,application/xhtml+xml',
        'user-agent':
          'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/140.0 Safari/537.36',
      },
    })
    expect(response.status).toBe(402)
    expect(response.headers.get('content-type')).toMatch(/^text\/html/)
    expect(response.headers.get(paymentHeaders.required)).toBeTruthy()
    const html = await response.text()
    expect(html).toContain('A penny an article')
    expect(html).toContain('Tollgate News')
    expect(html).not.toContain('Micropayments have been promised')
  })

  it('answers an unknown article 404, with no 402 and no charge', async () => {
    const before = await balance()
    const response = await read(`${news.url}/articles/no-such-story`, { headers: asJson })
    expect(response.status).toBe(404)
    expect(response.headers.get(paymentHeaders.required)).toBeNull()
    expect(await balance()).toBe(before)
  })

  it('still honours the purchase after a restart on the same purchase folder', async () => {
    await news.close()
    news = await startNews()
    const before = await balance()
    const response = await read(`${news.url}/articles/tide-tables`, { headers: asJson })
    expect(response.status).toBe(200)
    expect(response.headers.get(paymentHeaders.response)).toBeNull()
    expect(await response.json()).toMatchObject({ readBy: { via: 'sign-in' } })
    expect(await balance()).toBe(before)
    // An article not bought before the restart is still paid for.
    const ferry = await read(`${news.url}/articles/night-ferry`, { headers: asJson })
    expect(ferry.status).toBe(200)
    expect(before - (await balance())).toBe(5_000n)
  })
})
