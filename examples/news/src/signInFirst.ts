import { decodePaymentRequiredHeader, paymentHeaders } from '@tollgate/core'
import {
  type EvmMessageSigner,
  encodeSiwxHeader,
  SIGN_IN_WITH_X,
  type SiwxChallenge,
  signSiwxChallenge,
  siwxExtensionSchema,
} from '@tollgate/trust'

/**
 * The challenge of a 402 this signer may answer: a sign-in-with-x offer on an `eip191` chain,
 * issued for the host and origin that was asked. A challenge naming another site is never
 * signed, since the signature could be replayed there.
 */
export function signInChallengeOf(response: Response, url: string): SiwxChallenge | undefined {
  const header = response.headers.get(paymentHeaders.required)
  if (response.status !== 402 || !header) return undefined
  let offered: unknown
  try {
    offered = decodePaymentRequiredHeader(header).extensions?.[SIGN_IN_WITH_X]
  } catch {
    return undefined
  }
  const parsed = siwxExtensionSchema.safeParse(offered)
  if (!parsed.success) return undefined
  const chain = parsed.data.supportedChains.find((one) => one.type === 'eip191')
  if (!chain) return undefined
  const { info } = parsed.data
  try {
    const asked = new URL(url)
    if (info.domain !== asked.host || new URL(info.uri).origin !== asked.origin) return undefined
  } catch {
    return undefined
  }
  return { ...info, chainId: chain.chainId, type: chain.type }
}

/**
 * Wraps `fetch` so a read answered 402 with a sign-in-with-x challenge is asked once more,
 * signed in by `signer`, before anything is paid. A site that remembers the address's purchase
 * then answers for free; otherwise its second 402 comes back, and a paying wrapper around this
 * one pays from it: `wrapFetch(signInFirst(fetch, account), { schemes })`. Only GET and HEAD
 * are signed in; requests that already carry a payment or a sign-in pass through.
 * @example
 * const read = wrapFetch(signInFirst(fetch, account), { schemes: [exactEvmClient({ signer: account })] })
 * await read('http://127.0.0.1:4034/articles/tide-tables') // pays once, then reads free
 */
export function signInFirst(fetcher: typeof fetch, signer: EvmMessageSigner): typeof fetch {
  return async function fetchSignedIn(input, init) {
    const request = new Request(input, init)
    const passThrough =
      (request.method !== 'GET' && request.method !== 'HEAD') ||
      request.headers.has(paymentHeaders.signature) ||
      request.headers.has(paymentHeaders.v1Payment) ||
      request.headers.has(SIGN_IN_WITH_X)
    if (passThrough) return fetcher(request)
    const first = await fetcher(new Request(request))
    const challenge = signInChallengeOf(first, request.url)
    if (!challenge) return first
    await first.body?.cancel().catch(() => undefined)
    const payload = await signSiwxChallenge(challenge, signer)
    const headers = new Headers(request.headers)
    headers.set(SIGN_IN_WITH_X, encodeSiwxHeader(payload))
    return fetcher(new Request(request, { headers }))
  }
}
