import { Hono } from 'hono'
import { describe, expect, it } from 'vitest'
import { clientIp, limiterAddress, type TrustProxy } from './clientIp.ts'

describe('limiterAddress', () => {
  it.each([
    ['203.0.113.7', '203.0.113.7'],
    ['::ffff:203.0.113.7', '203.0.113.7'],
    ['2001:db8:1:2:3:4:5:6', '2001:db8:1:2::/64'],
    ['2001:DB8:1:2:ffff::1', '2001:db8:1:2::/64'],
    ['2001:db8::1', '2001:db8:0:0::/64'],
    ['::1', '0:0:0:0::/64'],
    ['fe80::1%eth0', 'fe80:0:0:0::/64'],
    ['not:an:address', 'not:an:address'],
  ])('keys %s as %s', (address, expected) => {
    expect(limiterAddress(address)).toBe(expected)
  })
})

describe('clientIp', () => {
  async function seen(trustProxy: TrustProxy | undefined, forwardedFor?: string) {
    const app = new Hono()
    app.get('/', (c) => c.text(clientIp(c, trustProxy)))
    const response = await app.request(
      '/',
      { headers: forwardedFor ? { 'x-forwarded-for': forwardedFor } : {} },
      { incoming: { socket: { remoteAddress: '198.51.100.9' } } },
    )
    return response.text()
  }

  it('uses the socket address and ignores X-Forwarded-For unless proxies are trusted', async () => {
    expect(await seen(undefined, '203.0.113.1')).toBe('198.51.100.9')
    expect(await seen(false, '203.0.113.1')).toBe('198.51.100.9')
    expect(await seen(0, '203.0.113.1')).toBe('198.51.100.9')
  })

  it('takes the address the outermost trusted proxy saw, not what the client wrote', async () => {
    // The client wrote 10.9.9.9 itself; the one trusted proxy appended the real address.
    expect(await seen(true, '10.9.9.9, 203.0.113.1')).toBe('203.0.113.1')
    expect(await seen(2, '10.9.9.9, 203.0.113.1, 192.0.2.50')).toBe('203.0.113.1')
    expect(await seen(5, '203.0.113.1')).toBe('203.0.113.1')
    expect(await seen(true)).toBe('198.51.100.9')
  })

  it('answers unknown without a socket (no @hono/node-server bindings)', async () => {
    const app = new Hono()
    app.get('/', (c) => c.text(clientIp(c, undefined)))
    expect(await (await app.request('/')).text()).toBe('unknown')
  })
})
