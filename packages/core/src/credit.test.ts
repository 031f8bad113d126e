/**
 * The credit book's rules, on the one in memory: caps per agent and in total, per unit;
 * reservations idempotent on the payment's key; a default is a debt that blocks the agent until
 * forgiven; a late settlement clears it. Then a seeded property run: random sequences of
 * reserve, settle, default, cancel and forgive, checked step by step against a plain model of
 * the rules, and against the caps themselves. FC_SEED replays another seed.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { CreditLimits, CreditState, NewCreditEntry } from './credit.ts'
import { MemoryCreditBook } from './creditMemory.ts'

const seed = Number(process.env.FC_SEED ?? 20260915)
console.info(`credit: fast-check seed ${seed} (FC_SEED to replay another)`)

const usdc = 'eip155:31337/0xusdc'
const dai = 'eip155:31337/0xdai'
const limits: CreditLimits = { perAgentMax: 300n, totalMax: 500n }

let counter = 0
function credit(agent: string, amount: bigint, overrides: Partial<NewCreditEntry> = {}) {
  counter++
  return {
    id: `payment-${counter}`,
    agent,
    unit: usdc,
    amount,
    payment: JSON.stringify({ n: counter }),
    deadline: new Date(Date.UTC(2026, 0, 1, 0, 1)),
    ...overrides,
  }
}

/** A clock the test moves by hand, one second per reading. */
function ticking() {
  let ms = Date.UTC(2026, 0, 1)
  return () => {
    ms += 1000
    return new Date(ms)
  }
}

describe('MemoryCreditBook', () => {
  it('caps each agent and all agents together, per unit', async () => {
    const book = new MemoryCreditBook()
    expect((await book.reserve(credit('a', 200n), limits)).admitted).toBe(true)
    expect(await book.reserve(credit('a', 101n), limits)).toEqual({
      admitted: false,
      code: 'CREDIT_AGENT_LIMIT',
      outstanding: 200n,
      totalOutstanding: 200n,
    })
    expect((await book.reserve(credit('a', 100n), limits)).admitted).toBe(true)
    expect((await book.reserve(credit('b', 200n), limits)).admitted).toBe(true)
    expect(await book.reserve(credit('c', 1n), limits)).toEqual({
      admitted: false,
      code: 'CREDIT_TOTAL_LIMIT',
      outstanding: 0n,
      totalOutstanding: 500n,
    })
    // Another asset is another unit: nothing of the first counts against it.
    expect((await book.reserve(credit('a', 300n, { unit: dai }), limits)).admitted).toBe(true)
    expect((await book.agents()).map((row) => [row.agent, row.unit, row.outstanding])).toEqual([
      ['a', dai, 300n],
      ['a', usdc, 300n],
      ['b', usdc, 200n],
    ])
  })

  it('admits a repeated reservation once, as it was, and refuses a changed one', async () => {
    const book = new MemoryCreditBook()
    const entry = credit('a', 300n)
    const first = await book.reserve(entry, limits)
    expect(first).toMatchObject({ admitted: true, entry: { id: entry.id, state: 'outstanding' } })
    expect(await book.reserve(entry, limits)).toEqual(first)
    expect((await book.outstanding()).map((one) => one.amount)).toEqual([300n])
    await expect(book.reserve({ ...entry, amount: 1n }, limits)).rejects.toThrow(TypeError)

    await book.settled(entry.id, '0xsettled')
    expect(await book.reserve(entry, limits)).toMatchObject({
      admitted: true,
      entry: { state: 'settled', transaction: '0xsettled' },
    })
    expect(await book.outstanding()).toEqual([])
  })

  it('makes a default a debt that blocks the agent in every unit until forgiven', async () => {
    const book = new MemoryCreditBook()
    const failed = credit('a', 100n)
    await book.reserve(failed, limits)
    expect(await book.defaulted(failed.id, 'insufficient funds')).toMatchObject({
      previous: 'outstanding',
      entry: { state: 'defaulted', reason: 'insufficient funds' },
    })
    expect(await book.outstanding()).toEqual([])
    expect(await book.reserve(credit('a', 1n, { unit: dai }), limits)).toMatchObject({
      admitted: false,
      code: 'CREDIT_IN_DEBT',
    })
    // The failed payment itself is never credited again, even once forgiven.
    expect(await book.reserve(failed, limits)).toMatchObject({ code: 'CREDIT_IN_DEBT' })
    expect((await book.reserve(credit('b', 1n), limits)).admitted).toBe(true)
    expect(await book.agents()).toContainEqual(
      expect.objectContaining({ agent: 'a', defaulted: 100n, defaultedCount: 1, outstanding: 0n }),
    )

    expect(await book.forgive('a')).toBe(1)
    expect(await book.forgive('a')).toBe(0)
    expect((await book.entry(failed.id))?.state).toBe('forgiven')
    expect((await book.reserve(credit('a', 300n), limits)).admitted).toBe(true)
    expect(await book.reserve(failed, limits)).toMatchObject({ code: 'CREDIT_IN_DEBT' })
  })

  it('releases the exposure of a settled entry, and keeps the first transaction', async () => {
    const book = new MemoryCreditBook()
    const entry = credit('a', 300n)
    await book.reserve(entry, limits)
    expect((await book.reserve(credit('a', 1n), limits)).admitted).toBe(false)
    expect(await book.settled(entry.id, '0xfirst')).toMatchObject({
      previous: 'outstanding',
      entry: { state: 'settled', transaction: '0xfirst' },
    })
    expect(await book.settled(entry.id, '0xsecond')).toMatchObject({
      previous: 'settled',
      entry: { transaction: '0xfirst' },
    })
    // A failure reported after the money arrived does not make a debt.
    expect(await book.defaulted(entry.id, 'duplicate settlement')).toMatchObject({
      previous: 'settled',
      entry: { state: 'settled' },
    })
    expect((await book.reserve(credit('a', 300n), limits)).admitted).toBe(true)
    expect(await book.settled('unknown', '0x1')).toBeUndefined()
    await expect(book.settled(entry.id, '')).rejects.toThrow(TypeError)
  })

  it('clears the debt when a defaulted entry settles late, keeping why it had defaulted', async () => {
    const book = new MemoryCreditBook()
    const entry = credit('a', 100n)
    await book.reserve(entry, limits)
    await book.defaulted(entry.id, 'not settled by the deadline')
    expect(await book.settled(entry.id, '0xlate')).toMatchObject({
      previous: 'defaulted',
      entry: { state: 'settled', transaction: '0xlate', reason: 'not settled by the deadline' },
    })
    expect((await book.reserve(credit('a', 1n), limits)).admitted).toBe(true)
    expect((await book.agents())[0]).toMatchObject({ settled: 100n, defaulted: 0n })
  })

  it('cancels an outstanding reservation only, and lists by age and by deadline', async () => {
    const book = new MemoryCreditBook({ now: ticking() })
    const late = credit('a', 10n, { deadline: new Date(Date.UTC(2026, 0, 1, 1)) })
    const early = credit('b', 10n, { deadline: new Date(Date.UTC(2026, 0, 1, 0, 0, 30)) })
    const dropped = credit('c', 10n)
    for (const entry of [late, early, dropped]) await book.reserve(entry, limits)
    expect(await book.cancel(dropped.id)).toBe(true)
    expect(await book.cancel(dropped.id)).toBe(false)
    expect(await book.entry(dropped.id)).toBeUndefined()
    expect((await book.outstanding()).map((entry) => entry.id)).toEqual([late.id, early.id])
    expect((await book.outstanding({ limit: 1 })).map((entry) => entry.id)).toEqual([late.id])
    const overdue = await book.overdue(new Date(Date.UTC(2026, 0, 1, 2)))
    expect(overdue.map((entry) => entry.id)).toEqual([early.id, late.id])
    expect(await book.overdue(new Date(Date.UTC(2026, 0, 1, 0, 0, 30)))).toHaveLength(1)
    await book.settled(late.id, '0x1')
    expect(await book.cancel(late.id)).toBe(false)
    await expect(book.overdue(new Date(Number.NaN))).rejects.toThrow(TypeError)
    expect(await book.agents({ limit: 1 })).toHaveLength(1)
    await expect(book.outstanding({ limit: 0 })).rejects.toThrow(RangeError)
  })

  it('refuses entries no book should hold', async () => {
    const book = new MemoryCreditBook()
    await expect(book.reserve(credit('a', 0n), limits)).rejects.toThrow(RangeError)
    await expect(book.reserve(credit('', 1n), limits)).rejects.toThrow(TypeError)
    const invalid = credit('a', 1n, { deadline: new Date(Number.NaN) })
    await expect(book.reserve(invalid, limits)).rejects.toThrow(TypeError)
    await expect(book.reserve(credit('a', 1n), { ...limits, totalMax: -1n })).rejects.toThrow(
      RangeError,
    )
  })
})

type Step =
  | { kind: 'reserve'; agent: number; unit: number; amount: bigint; id: number }
  | { kind: 'settle' | 'default' | 'cancel'; id: number }
  | { kind: 'forgive'; agent: number }

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({
    kind: fc.constant('reserve' as const),
    agent: fc.nat(3),
    unit: fc.nat(1),
    amount: fc.bigInt(1n, 4n),
    id: fc.nat(30),
  }),
  fc.record({ kind: fc.constantFrom('settle' as const, 'default' as const), id: fc.nat(30) }),
  fc.record({ kind: fc.constant('cancel' as const), id: fc.nat(30) }),
  fc.record({ kind: fc.constant('forgive' as const), agent: fc.nat(3) }),
)

interface ModelEntry {
  agent: string
  unit: string
  amount: bigint
  state: CreditState
}

/** Small caps and amounts, so random sequences often land exactly on a cap and one past it. */
const tight: CreditLimits = { perAgentMax: 6n, totalMax: 10n }

/** The rules written as plainly as possible, to hold the book to. */
function modelReserve(model: Map<string, ModelEntry>, id: string, wanted: ModelEntry) {
  const entries = [...model.values()]
  const open = entries.filter((one) => one.state === 'outstanding' && one.unit === wanted.unit)
  const sum = (list: ModelEntry[]) => list.reduce((total, one) => total + one.amount, 0n)
  const existing = model.get(id)
  if (existing) return ['outstanding', 'settled'].includes(existing.state) ? 'admitted' : 'debt'
  if (entries.some((one) => one.agent === wanted.agent && one.state === 'defaulted')) return 'debt'
  if (sum(open.filter((one) => one.agent === wanted.agent)) + wanted.amount > tight.perAgentMax)
    return 'agent'
  if (sum(open) + wanted.amount > tight.totalMax) return 'total'
  model.set(id, wanted)
  return 'admitted'
}

describe('MemoryCreditBook under random sequences', () => {
  it('answers every step as the rules say and never exceeds a cap', async () => {
    const codes = {
      CREDIT_IN_DEBT: 'debt',
      CREDIT_AGENT_LIMIT: 'agent',
      CREDIT_TOTAL_LIMIT: 'total',
    }
    await fc.assert(
      fc.asyncProperty(
        fc.array(step, { minLength: 10, maxLength: 60, size: 'max' }),
        async (steps) => {
          const book = new MemoryCreditBook()
          const model = new Map<string, ModelEntry>()
          for (const one of steps) {
            if (one.kind === 'reserve') {
              const id = `p${one.id}`
              // A repeated id keeps its first agent, unit and amount (a changed one is refused).
              const wanted = model.get(id) ?? {
                agent: `agent${one.agent}`,
                unit: [usdc, dai][one.unit]!,
                amount: one.amount,
                state: 'outstanding',
              }
              const expected = modelReserve(model, id, { ...wanted, state: 'outstanding' })
              const { agent, unit, amount } = wanted
              const reservation = { id, agent, unit, amount, payment: '{}', deadline: new Date() }
              const answer = await book.reserve(reservation, tight)
              expect(answer.admitted ? 'admitted' : codes[answer.code]).toBe(expected)
            } else if (one.kind === 'forgive') {
              await book.forgive(`agent${one.agent}`)
              for (const entry of model.values())
                if (entry.agent === `agent${one.agent}` && entry.state === 'defaulted')
                  entry.state = 'forgiven'
            } else {
              applyToModel(model, one.kind, `p${one.id}`)
              if (one.kind === 'settle') await book.settled(`p${one.id}`, `0x${one.id}`)
              else if (one.kind === 'default') await book.defaulted(`p${one.id}`, 'failed')
              else await book.cancel(`p${one.id}`)
            }
            for (const row of await book.agents())
              expect(row.outstanding).toBeLessThanOrEqual(tight.perAgentMax)
            for (const unit of [usdc, dai]) {
              const open = (await book.outstanding()).filter((entry) => entry.unit === unit)
              expect(open.reduce((total, entry) => total + entry.amount, 0n)).toBeLessThanOrEqual(
                tight.totalMax,
              )
            }
            for (const [id, entry] of model) expect((await book.entry(id))?.state).toBe(entry.state)
          }
        },
      ),
      { seed, numRuns: 150 },
    )
  })
})

function applyToModel(
  model: Map<string, ModelEntry>,
  kind: 'settle' | 'default' | 'cancel',
  id: string,
) {
  const entry = model.get(id)
  if (!entry) return
  if (kind === 'settle') entry.state = 'settled'
  else if (kind === 'default' && entry.state === 'outstanding') entry.state = 'defaulted'
  else if (kind === 'cancel' && entry.state === 'outstanding') model.delete(id)
}
