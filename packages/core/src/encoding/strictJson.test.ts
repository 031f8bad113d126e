/**
 * Hostile documents against core's strict JSON parser and the payment-header decoders built on
 * it. Method: arbitrary JSON documents get a NUL or a lone surrogate injected into one string (a
 * key or a value, at any depth), or a chain of containers nested past the limit spliced in at
 * any position; every surface refuses them with invalid_payload and throws nothing else. Clean
 * documents within the limit parse exactly as JSON.parse reads them (the model). Seeded: a
 * failure names its seed, and FC_SEED replays another.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { reasonOf } from '../errors/codes.ts'
import { isTollgateError } from '../errors/TollgateError.ts'
import {
  decodeJsonHeader,
  decodePaymentRequiredHeader,
  decodePaymentResponseHeader,
} from '../http/headers.ts'
import { encodeBase64Utf8 } from './base64.ts'
import { jsonDepthMax, parseStrictJson } from './strictJson.ts'

const seed = Number(process.env.FC_SEED ?? 20260911)
const numRuns = 300
console.info(`strictJson properties: fast-check seed ${seed} (FC_SEED to replay another)`)

/** Stands for the injected piece while a document is serialised; never generated otherwise. */
const marker = '\uE000'
const hostileUnits = ['\u0000', '\uD800', '\uDBFF', '\uDC00', '\uDFFF', '\uDC00\uD800']

/** Clean documents: any code point in strings (NUL excepted), shallow enough for the limit. */
const cleanDocument = fc.jsonValue({ maxDepth: 6, stringUnit: 'binary' }).filter((value) => {
  const text = JSON.stringify(value)
  return !text.includes('\\u0000') && !text.includes(marker)
})

/**
 * Three spellings of the same document: compact, indented, and every non-ASCII code unit (the
 * marker excepted) written as a \u escape.
 */
const spellings = [
  (value: unknown) => JSON.stringify(value),
  (value: unknown) => JSON.stringify(value, null, 2),
  (value: unknown) =>
    JSON.stringify(value).replace(
      /[\u0080-\udfff\ue001-\uffff]/g,
      (unit) => `\\u${unit.charCodeAt(0).toString(16).padStart(4, '0')}`,
    ),
] as const

type Slot = { holder: Record<string, unknown> | unknown[]; key: string | number; isKey: boolean }

/** Every string of a document (keys and values) and every value position, without recursion. */
function slotsOf(root: unknown): { strings: Slot[]; values: Slot[] } {
  const strings: Slot[] = []
  const values: Slot[] = []
  const pending: unknown[] = [root]
  while (pending.length > 0) {
    const holder = pending.pop()
    if (typeof holder !== 'object' || holder === null) continue
    const entries: Array<[string | number, unknown]> = Array.isArray(holder)
      ? holder.map((item, index) => [index, item])
      : Object.entries(holder)
    for (const [key, item] of entries) {
      const slot = { holder: holder as Slot['holder'], key, isKey: false }
      values.push(slot)
      if (typeof key === 'string') strings.push({ ...slot, isKey: true })
      if (typeof item === 'string') strings.push(slot)
      pending.push(item)
    }
  }
  return { strings, values }
}

function setSlot(slot: Slot, value: unknown): void {
  if (Array.isArray(slot.holder)) slot.holder[slot.key as number] = value
  else (slot.holder as Record<string, unknown>)[slot.key as string] = value
}

/** The document with `marker` in one of its strings at `at` (or around it when it has none). */
function withMarkerInString(document: unknown, choice: number, at: number): unknown {
  const copy = structuredClone(document)
  const { strings } = slotsOf(copy)
  if (strings.length === 0) return choice % 2 === 0 ? { [marker]: copy } : [copy, marker]
  const slot = strings[choice % strings.length]!
  const holder = slot.holder as Record<string, unknown>
  const old = slot.isKey ? String(slot.key) : String(holder[slot.key as string])
  let cut = at % (old.length + 1)
  // Between the halves of a pair, an injected half could pair up with them: step past the pair.
  if (/[\ud800-\udbff]/.test(old[cut - 1] ?? '')) cut++
  const changed = `${old.slice(0, cut)}${marker}${old.slice(cut)}`
  if (!slot.isKey) setSlot(slot, changed)
  else if (!Array.isArray(slot.holder)) {
    holder[changed] = holder[slot.key as string]
    delete holder[slot.key as string]
  }
  return copy
}

/** The document with `marker` as one of its values (or the document itself). */
function withMarkerValue(document: unknown, choice: number): unknown {
  const copy = structuredClone(document)
  const { values } = slotsOf(copy)
  if (values.length === 0) return marker
  setSlot(values[choice % values.length]!, marker)
  return copy
}

/** `depth` containers, objects or arrays as `shapes` says, around `inner`, built as text. */
function nested(depth: number, shapes: readonly boolean[], inner: string): string {
  let open = ''
  let close = ''
  for (let level = 0; level < depth; level++) {
    const isObject = shapes[level % shapes.length] ?? false
    open += isObject ? '{"k":' : '['
    close = (isObject ? '}' : ']') + close
  }
  return `${open}${inner}${close}`
}

/**
 * Runs every decoder on the text: each must refuse it with invalid_payload, for the parser's
 * reason (not a schema's), and throw nothing else.
 */
function expectRefusedEverywhere(text: string, kind: 'unstorableString' | 'tooDeep') {
  const refusal = parseStrictJson(text)
  expect(refusal).toMatchObject({ ok: false, kind })
  const header = encodeBase64Utf8(text)
  for (const decode of [
    () => decodeJsonHeader(header, 'PAYMENT-SIGNATURE'),
    () => decodePaymentRequiredHeader(header),
    () => decodePaymentResponseHeader(header),
  ]) {
    let thrown: unknown
    try {
      decode()
    } catch (error) {
      thrown = error
    }
    expect(isTollgateError(thrown, 'PAYLOAD_MALFORMED')).toBe(true)
    expect(isTollgateError(thrown) && thrown.reason).toBe(reasonOf('PAYLOAD_MALFORMED'))
    expect((thrown as Error).message).toContain(!refusal.ok && refusal.error)
  }
}

describe('parseStrictJson and the header decoders under hostile documents', () => {
  it('refuse a NUL or lone surrogate escaped into any string, key or value, at any depth', () => {
    fc.assert(
      fc.property(
        cleanDocument,
        fc.nat(),
        fc.nat(),
        fc.constantFrom(...hostileUnits),
        fc.constantFrom(...spellings),
        (document, choice, at, unit, spell) => {
          const text = spell(withMarkerInString(document, choice, at))
          // JSON.stringify's own escapes: \u0000 and \udXXX, as a client's serialiser writes them.
          expectRefusedEverywhere(
            text.replace(marker, JSON.stringify(unit).slice(1, -1)),
            'unstorableString',
          )
        },
      ),
      { seed, numRuns },
    )
  })

  it('refuse a raw lone surrogate in the text (a JS string can carry one, a header cannot)', () => {
    fc.assert(
      fc.property(
        cleanDocument,
        fc.nat(),
        fc.nat(),
        fc.constantFrom(...hostileUnits.slice(1)),
        (document, choice, at, unit) => {
          const text = JSON.stringify(withMarkerInString(document, choice, at)).replace(
            marker,
            unit,
          )
          expect(parseStrictJson(text)).toMatchObject({ ok: false, kind: 'unstorableString' })
        },
      ),
      { seed, numRuns },
    )
  })

  it('refuse documents nested past the limit, at any position, whatever the levels', () => {
    fc.assert(
      fc.property(
        cleanDocument,
        fc.nat(),
        // Up to a few thousand levels, as many as fit in a 32 KiB header.
        fc.integer({ min: jsonDepthMax + 1, max: 2_000 }),
        fc.array(fc.boolean(), { minLength: 1, maxLength: 8 }),
        fc.constantFrom(...spellings),
        (document, choice, depth, shapes, spell) => {
          const text = spell(withMarkerValue(document, choice)).replace(
            JSON.stringify(marker),
            nested(depth, shapes, '1'),
          )
          expectRefusedEverywhere(text, 'tooDeep')
        },
      ),
      { seed, numRuns },
    )
  })

  it('read clean documents within the limit exactly as JSON.parse does (the model)', () => {
    fc.assert(
      fc.property(cleanDocument, fc.constantFrom(...spellings), (document, spell) => {
        const text = spell(document)
        expect(parseStrictJson(text)).toEqual({ ok: true, value: JSON.parse(text) })
        expect(decodeJsonHeader(encodeBase64Utf8(text), 'PAYMENT-SIGNATURE')).toEqual(
          JSON.parse(text),
        )
      }),
      { seed, numRuns },
    )
  })

  it('never throw, whatever the text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        const result = parseStrictJson(text)
        if (!result.ok)
          expect(['syntax', 'duplicateKey', 'unstorableString', 'tooDeep']).toContain(result.kind)
      }),
      { seed, numRuns },
    )
  })
})

describe('the limits themselves', () => {
  it('take exactly jsonDepthMax levels and refuse one more', () => {
    for (const shapes of [[true], [false], [true, false]]) {
      const deepest = nested(jsonDepthMax, shapes, '"x"')
      expect(parseStrictJson(deepest)).toEqual({ ok: true, value: JSON.parse(deepest) })
      expect(parseStrictJson(nested(jsonDepthMax + 1, shapes, '"x"'))).toMatchObject({
        ok: false,
        kind: 'tooDeep',
        error: `nested deeper than ${jsonDepthMax} levels`,
      })
    }
  })

  it('take surrogate pairs and every other code point, and refuse the halves alone', () => {
    expect(parseStrictJson('"\\ud83d\\ude00 \uD83D\uDE00 \\u0001"')).toEqual({
      ok: true,
      value: '\u{1F600} \u{1F600} \u0001',
    })
    for (const text of [
      '"\\u0000"',
      '{"\\u0000":1}',
      '"\\ud83d"',
      '"\\ude00\\ud83d"',
      '["a\\udfff"]',
    ])
      expect(parseStrictJson(text)).toMatchObject({ ok: false, kind: 'unstorableString' })
    // A raw NUL is not JSON at all.
    expect(parseStrictJson('"\u0000"')).toMatchObject({ ok: false, kind: 'syntax' })
  })

  it('refuse a header with an escaped lone surrogate, as the API receives it', () => {
    const header = encodeBase64Utf8('{"x402Version":2,"resource":{"url":"\\ud800"}}')
    expect(() => decodeJsonHeader(header, 'PAYMENT-SIGNATURE')).toThrow(/unpaired UTF-16 surrogate/)
  })
})
