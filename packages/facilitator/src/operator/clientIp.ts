/**
 * @module
 * The client address a rate limit is keyed on. `X-Forwarded-For` is anyone's to write, so it is
 * read only when the operator says how many proxies of theirs stand in front (`trustProxy`).
 */
import { getConnInfo } from '@hono/node-server/conninfo'
import type { Context } from 'hono'

/**
 * `true` trusts one proxy; a number trusts that many. The address used is the one the outermost
 * trusted proxy saw, counted from the right of `X-Forwarded-For`; entries further left were
 * written by the client and are ignored.
 */
export type TrustProxy = boolean | number

/** The client's address, normalised for use as a limiter key, or `unknown`. */
export function clientIp(c: Context, trustProxy: TrustProxy | undefined): string {
  const hops = trustProxy === true ? 1 : typeof trustProxy === 'number' ? trustProxy : 0
  if (hops > 0) {
    const forwarded = c.req
      .header('x-forwarded-for')
      ?.split(',')
      .map((entry) => entry.trim())
      .filter((entry) => entry !== '')
    if (forwarded && forwarded.length > 0) {
      return limiterAddress(forwarded[Math.max(forwarded.length - hops, 0)]!)
    }
  }
  return limiterAddress(socketAddress(c) ?? 'unknown')
}

function socketAddress(c: Context): string | undefined {
  try {
    return getConnInfo(c).remote.address
  } catch {
    // Not served by @hono/node-server (e.g. app.request in a test without bindings).
    return undefined
  }
}

/**
 * IPv4 as is (also when mapped into IPv6); IPv6 reduced to its /64, since one host commonly
 * holds a whole /64 and could otherwise rotate addresses to dodge a per-address limit.
 */
export function limiterAddress(address: string): string {
  const text = address.trim().toLowerCase()
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/.exec(text)
  if (mapped) return mapped[1]!
  if (!text.includes(':')) return text.slice(0, 64)
  const groups = expandIpv6(text.split('%')[0]!)
  return groups ? `${groups.slice(0, 4).join(':')}::/64` : text.slice(0, 64)
}

function expandIpv6(text: string): string[] | undefined {
  const halves = text.split('::')
  if (halves.length > 2) return undefined
  const head = halves[0] ? halves[0].split(':') : []
  const tail = halves.length === 2 && halves[1] ? halves[1].split(':') : []
  const missing = 8 - head.length - tail.length
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...tail]
  if (!groups.every((group) => /^[0-9a-f]{1,4}$/.test(group))) return undefined
  return groups.map((group) => group.replace(/^0+(?=.)/, ''))
}
