import fc from 'fast-check'
import { describe, expect, it, vi } from 'vitest'
import { decodeBase64Utf8, encodeBase64Utf8 } from './base64.ts'
import { parseStrictJson } from './strictJson.ts'

describe('base64', () => {
  it('round-trips any unicode text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (text) => {
        expect(decodeBase64Utf8(encodeBase64Utf8(text))).toBe(text)
      }),
    )
  })

  it('matches Node Buffer encoding (standard alphabet, padded)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        expect(encodeBase64Utf8(text)).toBe(Buffer.from(text, 'utf8').toString('base64'))
      }),
    )
  })

  it.each(['abc', 'a=bc', 'YWJj-_', 'YWJj\n', 'YW Jj', '=', 'YQ', '////'])(
    'rejects %j',
    (input) => {
      // '////' is valid base64 but not UTF-8.
      expect(decodeBase64Utf8(input)).toBeUndefined()
    },
  )

  it('decodes as the Web-only path does, where Node has Buffer', async () => {
    vi.resetModules()
    vi.stubGlobal('Buffer', undefined)
    const web = await import('./base64.ts')
    vi.unstubAllGlobals()
    expect(web.encodeBase64Utf8('wörd')).toBe(encodeBase64Utf8('wörd'))
    const alphabet = [...'ABCQRSTYWJjz019+/=', ' ', '-', '_', '\n', 'é']
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...alphabet), { maxLength: 16 }), (chars) => {
        const input = chars.join('')
        expect(decodeBase64Utf8(input)).toBe(web.decodeBase64Utf8(input))
      }),
      { numRuns: 5_000 },
    )
    // Non-zero pad bits: both accept them, as atob does.
    expect(decodeBase64Utf8('QR==')).toBe('A')
  })
})

describe('parseStrictJson', () => {
  it('parses JSON', () => {
    expect(parseStrictJson('{"a":{"b":[1,{"c":2}]},"d":"}{\\"e\\":1"}')).toEqual({
      ok: true,
      value: { a: { b: [1, { c: 2 }] }, d: '}{"e":1' },
    })
  })

  it('refuses duplicate keys at any depth', () => {
    expect(parseStrictJson('{"a":1,"a":2}')).toMatchObject({
      ok: false,
      error: 'duplicate JSON key "a"',
    })
    expect(parseStrictJson('{"x":{"v":"1","v":"2"}}')).toMatchObject({ ok: false })
    expect(parseStrictJson('[{"a":1},{"a":1}]')).toMatchObject({ ok: true })
    expect(parseStrictJson('{"a":{"a":1}}')).toMatchObject({ ok: true })
    expect(parseStrictJson('{"\\u0061":1,"a":2}')).toMatchObject({ ok: false })
  })

  it('never throws, and agrees with JSON.parse on duplicate-free input', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json()), (text) => {
        const result = parseStrictJson(text)
        let expected: unknown
        try {
          expected = JSON.parse(text)
        } catch {
          expect(result.ok).toBe(false)
          return
        }
        if (result.ok) expect(result.value).toEqual(expected)
      }),
    )
  })
})
