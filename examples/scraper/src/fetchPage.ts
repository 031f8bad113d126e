import type { LookupAddress } from 'node:dns'
import { lookup } from 'node:dns'
import ipaddr from 'ipaddr.js'
import { Agent, fetch } from 'undici'

/** Why a page was not fetched: a code the caller can act on, and what happened. */
export class FetchRefused extends Error {
  override readonly name = 'FetchRefused'
  constructor(
    readonly code:
      | 'url_invalid'
      | 'address_not_allowed'
      | 'too_many_redirects'
      | 'too_large'
      | 'timed_out'
      | 'not_html'
      | 'upstream_failed',
    message: string,
  ) {
    super(message)
  }
}

export interface FetchLimits {
  /** @default 2 MiB */
  maxBytes?: number
  /** @default 10000 */
  timeoutMs?: number
  /** @default 5 */
  maxRedirects?: number
  /**
   * Hosts (`host` or `host:port`) fetched even on private addresses: the pages a test or a
   * local deployment serves itself. Everything else on a loopback, private, link-local or
   * otherwise non-public address is refused, so the scraper cannot reach what sits behind it.
   */
  allowHosts?: readonly string[]
}

export interface FetchedPage {
  /** Where the page was found, after redirects. */
  url: string
  status: number
  contentType: string
  html: string
}

/** Only unicast addresses on the public internet. */
function isPublic(address: string): boolean {
  if (!ipaddr.isValid(address)) return false
  let parsed = ipaddr.parse(address)
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress())
    parsed = (parsed as ipaddr.IPv6).toIPv4Address()
  return parsed.range() === 'unicast'
}

/**
 * An undici agent that checks every address it connects to, at connect time: a name that
 * resolves to a public address while checked and to a private one when dialled (DNS rebinding)
 * is refused all the same.
 */
function guardedAgent(allowed: (host: string) => boolean): Agent {
  return new Agent({
    connect: {
      lookup(hostname, options, callback) {
        lookup(hostname, { ...options, all: true }, (error, addresses) => {
          if (error) return callback(error, '', 0)
          const list = addresses as LookupAddress[]
          const refused = list.find((entry) => !isPublic(entry.address))
          if (refused && !allowed(hostname))
            return callback(
              new FetchRefused(
                'address_not_allowed',
                `${hostname} resolves to ${refused.address}, which is not a public address`,
              ),
              '',
              0,
            )
          const first = list[0]
          if (!first) return callback(new Error(`${hostname} has no address`), '', 0)
          if ((options as { all?: boolean }).all)
            return (callback as (e: null, a: LookupAddress[]) => void)(null, list)
          callback(null, first.address, first.family)
        })
      },
    },
  })
}

/**
 * Fetches one page within the limits: http(s) only, redirects followed by hand and each hop
 * checked again, the body read up to `maxBytes`, the whole within `timeoutMs`.
 */
export async function fetchPage(target: string, limits: FetchLimits = {}): Promise<FetchedPage> {
  const maxBytes = limits.maxBytes ?? 2 * 1024 * 1024
  const maxRedirects = limits.maxRedirects ?? 5
  const allowHosts = new Set((limits.allowHosts ?? []).map((host) => host.toLowerCase()))
  const hostAllowed = (url: URL) =>
    allowHosts.has(url.host.toLowerCase()) || allowHosts.has(url.hostname.toLowerCase())
  let url = parseTarget(target)
  const agent = guardedAgent(
    (hostname) => allowHosts.has(hostname.toLowerCase()) || hostAllowed(url),
  )
  const signal = AbortSignal.timeout(limits.timeoutMs ?? 10_000)
  try {
    for (let hop = 0; ; hop++) {
      // A literal address is checked here: the agent's lookup only sees names.
      const literal = url.hostname.replace(/^\[|\]$/g, '')
      if (ipaddr.isValid(literal) && !isPublic(literal) && !hostAllowed(url))
        throw new FetchRefused('address_not_allowed', `${url.host} is not a public address`)
      const response = await fetch(url, {
        dispatcher: agent,
        redirect: 'manual',
        signal,
        headers: { accept: 'text/html, text/plain;q=0.8', 'user-agent': 'tollgate-scraper/0.1' },
      })
      const location = response.headers.get('location')
      if (response.status >= 300 && response.status < 400 && location) {
        await response.body?.cancel()
        if (hop >= maxRedirects)
          throw new FetchRefused(
            'too_many_redirects',
            `more than ${maxRedirects} redirects from ${target}`,
          )
        url = parseTarget(new URL(location, url).href)
        continue
      }
      if (!response.ok) {
        await response.body?.cancel()
        throw new FetchRefused('upstream_failed', `${url.href} answered HTTP ${response.status}`)
      }
      const contentType = response.headers.get('content-type') ?? ''
      if (!/^(text\/html|application\/xhtml\+xml|text\/plain)\b/i.test(contentType)) {
        await response.body?.cancel()
        throw new FetchRefused(
          'not_html',
          `${url.href} is ${contentType || 'of no stated type'}, not a page`,
        )
      }
      const html = await readBounded(response.body, maxBytes, url.href)
      return { url: url.href, status: response.status, contentType, html }
    }
  } catch (error) {
    throw refusalOf(error, target)
  } finally {
    await agent.close().catch(() => undefined)
  }
}

function parseTarget(target: string): URL {
  let url: URL
  try {
    url = new URL(target)
  } catch {
    throw new FetchRefused('url_invalid', `${JSON.stringify(target).slice(0, 200)} is not a URL`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new FetchRefused(
      'url_invalid',
      `only http and https pages are fetched, not ${url.protocol}`,
    )
  if (url.username || url.password)
    throw new FetchRefused('url_invalid', 'URLs with credentials are not fetched')
  return url
}

async function readBounded(
  body: (AsyncIterable<Uint8Array> & { cancel(): Promise<void> }) | null,
  maxBytes: number,
  where: string,
): Promise<string> {
  if (!body) return ''
  const chunks: Uint8Array[] = []
  let size = 0
  for await (const chunk of body) {
    size += chunk.byteLength
    if (size > maxBytes) {
      await body.cancel().catch(() => undefined)
      throw new FetchRefused('too_large', `${where} is larger than ${maxBytes} bytes`)
    }
    chunks.push(chunk)
  }
  return new TextDecoder().decode(Buffer.concat(chunks))
}

/** The refusal an error amounts to: its own, a timeout, or the upstream failing. */
function refusalOf(error: unknown, target: string): FetchRefused {
  if (error instanceof FetchRefused) return error
  const cause = (error as { cause?: unknown }).cause
  if (cause instanceof FetchRefused) return cause
  const name = (error as { name?: string }).name
  if (name === 'TimeoutError' || name === 'AbortError')
    return new FetchRefused('timed_out', `${target} did not answer in time`)
  const reason =
    (cause as { code?: string; message?: string } | undefined)?.code ?? (error as Error).message
  return new FetchRefused('upstream_failed', `${target} could not be fetched: ${reason}`)
}
