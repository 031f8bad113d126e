/**
 * The credit book in SQL, on embedded PGlite: the rules of the book (caps per agent and in
 * total, per unit; idempotent reservations; debts that block until forgiven; late settlements
 * that clear them), concurrent reservations that must stop exactly at a cap, a debt that
 * survives closing and reopening the database, and a database that cannot answer reported as
 * the book being unavailable. Each check uses a unit of its own, so their totals never mix.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type CreditLimits, isTollgateError, type NewCreditEntry } from '@tollgate/core'
import type { Sql } from '@tollgate/sql'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openLedger } from './openLedger.ts'
import { SqlCreditBook } from './sqlCreditBook.ts'
import type { SqlLedger } from './sqlLedger.ts'

const limits: CreditLimits = { perAgentMax: 300n, totalMax: 500n }

let counter = 0
/** A unit no other check uses. */
function freshUnit(): string {
  counter++
  return `eip155:31337/0xasset${counter}`
}

function credit(unit: string, agent: string, amount: bigint): NewCreditEntry {
  counter++
  return {
    id: `payment-${counter}`,
    agent,
    unit,
    amount,
    payment: JSON.stringify({ payload: { n: counter } }),
    deadline: new Date(Date.UTC(2026, 0, 1, 0, 1)),
  }
}

let ledger: SqlLedger
let book: SqlCreditBook
beforeAll(async () => {
  ledger = await openLedger()
  book = new SqlCreditBook(ledger.sql)
})
afterAll(() => ledger?.close())

describe('SqlCreditBook on PGlite', () => {
  it('caps each agent and all agents together, per unit', async () => {
    const unit = freshUnit()
    const other = freshUnit()
    expect((await book.reserve(credit(unit, 'a', 200n), limits)).admitted).toBe(true)
    expect(await book.reserve(credit(unit, 'a', 101n), limits)).toEqual({
      admitted: false,
      code: 'CREDIT_AGENT_LIMIT',
      outstanding: 200n,
      totalOutstanding: 200n,
    })
    expect((await book.reserve(credit(unit, 'a', 100n), limits)).admitted).toBe(true)
    expect((await book.reserve(credit(unit, 'b', 200n), limits)).admitted).toBe(true)
    expect(await book.reserve(credit(unit, 'c', 1n), limits)).toEqual({
      admitted: false,
      code: 'CREDIT_TOTAL_LIMIT',
      outstanding: 0n,
      totalOutstanding: 500n,
    })
    expect((await book.reserve(credit(other, 'a', 300n), limits)).admitted).toBe(true)
    const rows = (await book.agents()).filter((row) => [unit, other].includes(row.unit))
    expect(rows.map((row) => [row.agent, row.unit, row.outstanding, row.outstandingCount])).toEqual(
      [
        ['a', unit, 300n, 2],
        ['a', other, 300n, 1],
        ['b', unit, 200n, 1],
      ],
    )
  })

  it('keeps amounts beyond 64 bits exact', async () => {
    const huge = 10n ** 30n + 7n
    const entry = credit(freshUnit(), 'whale', huge)
    const answer = await book.reserve(entry, { perAgentMax: huge, totalMax: huge })
    expect(answer).toMatchObject({ admitted: true, entry: { amount: huge } })
    expect((await book.entry(entry.id))?.amount).toBe(huge)
  })

  it('admits a repeated reservation once, as it was, and refuses a changed one', async () => {
    const entry = credit(freshUnit(), 'a', 300n)
    const first = await book.reserve(entry, limits)
    expect(first).toMatchObject({ admitted: true, entry: { id: entry.id, state: 'outstanding' } })
    expect(await book.reserve(entry, limits)).toEqual(first)
    await expect(book.reserve({ ...entry, amount: 1n }, limits)).rejects.toThrow(TypeError)
    await expect(book.reserve({ ...entry, unit: freshUnit() }, limits)).rejects.toThrow(TypeError)
    await book.settled(entry.id, '0xsettled')
    expect(await book.reserve(entry, limits)).toMatchObject({
      admitted: true,
      entry: { state: 'settled', transaction: '0xsettled' },
    })
  })

  it('makes a default a debt that blocks the agent in every unit until forgiven', async () => {
    const unit = freshUnit()
    const failed = credit(unit, 'debtor', 100n)
    await book.reserve(failed, limits)
    expect(await book.defaulted(failed.id, 'x'.repeat(5000))).toMatchObject({
      previous: 'outstanding',
      entry: { state: 'defaulted', reason: 'x'.repeat(1000) },
    })
    expect(await book.reserve(credit(freshUnit(), 'debtor', 1n), limits)).toMatchObject({
      admitted: false,
      code: 'CREDIT_IN_DEBT',
    })
    expect(await book.reserve(failed, limits)).toMatchObject({ code: 'CREDIT_IN_DEBT' })
    expect((await book.reserve(credit(unit, 'b', 1n), limits)).admitted).toBe(true)

    expect(await book.forgive('debtor')).toBe(1)
    expect(await book.forgive('debtor')).toBe(0)
    expect((await book.entry(failed.id))?.state).toBe('forgiven')
    expect((await book.reserve(credit(unit, 'debtor', 300n), limits)).admitted).toBe(true)
    expect(await book.reserve(failed, limits)).toMatchObject({ code: 'CREDIT_IN_DEBT' })
    const [row] = (await book.agents()).filter((one) => one.agent === 'debtor' && one.unit === unit)
    expect(row).toMatchObject({
      outstanding: 300n,
      forgiven: 100n,
      forgivenCount: 1,
      defaulted: 0n,
    })
  })

  it('releases a settled entry, keeps its first transaction, and clears a debt settled late', async () => {
    const unit = freshUnit()
    const entry = credit(unit, 'payer', 300n)
    await book.reserve(entry, limits)
    expect(await book.settled(entry.id, '0xfirst')).toMatchObject({
      previous: 'outstanding',
      entry: { state: 'settled', transaction: '0xfirst' },
    })
    expect(await book.settled(entry.id, '0xsecond')).toMatchObject({
      previous: 'settled',
      entry: { transaction: '0xfirst' },
    })
    expect(await book.defaulted(entry.id, 'duplicate')).toMatchObject({
      entry: { state: 'settled' },
    })
    const late = credit(unit, 'payer', 300n)
    expect((await book.reserve(late, limits)).admitted).toBe(true)
    await book.defaulted(late.id, 'not settled by the deadline')
    expect(await book.settled(late.id, '0xlate')).toMatchObject({
      previous: 'defaulted',
      entry: { state: 'settled', reason: 'not settled by the deadline' },
    })
    expect((await book.reserve(credit(unit, 'payer', 1n), limits)).admitted).toBe(true)
    expect(await book.settled('unknown', '0x1')).toBeUndefined()
    expect(await book.defaulted('unknown', 'why')).toBeUndefined()
  })

  it('cancels an outstanding reservation only, and lists by age and by deadline', async () => {
    const unit = freshUnit()
    const late = { ...credit(unit, 'a', 10n), deadline: new Date(Date.UTC(2020, 0, 1, 1)) }
    const early = { ...credit(unit, 'b', 10n), deadline: new Date(Date.UTC(2020, 0, 1)) }
    const dropped = credit(unit, 'c', 10n)
    for (const entry of [late, early, dropped]) await book.reserve(entry, limits)
    expect(await book.cancel(dropped.id)).toBe(true)
    expect(await book.cancel(dropped.id)).toBe(false)
    expect(await book.entry(dropped.id)).toBeUndefined()
    const ours = (entries: { id: string; unit: string }[]) =>
      entries.filter((entry) => entry.unit === unit).map((entry) => entry.id)
    expect(ours(await book.outstanding())).toEqual([late.id, early.id])
    expect(ours(await book.overdue(new Date(Date.UTC(2020, 0, 2))))).toEqual([early.id, late.id])
    expect(ours(await book.overdue(new Date(Date.UTC(2020, 0, 1))))).toEqual([early.id])
    await book.settled(late.id, '0x1')
    expect(await book.cancel(late.id)).toBe(false)
    await expect(book.overdue(new Date(Number.NaN))).rejects.toThrow(TypeError)
    expect(await book.agents({ limit: 1 })).toHaveLength(1)
    await expect(book.outstanding({ limit: 10_001 })).rejects.toThrow(RangeError)
  })

  it('admits exactly as many of 50 concurrent reservations as fit under a cap', async () => {
    const unit = freshUnit()
    const answers = await Promise.all(
      Array.from({ length: 50 }, () =>
        book.reserve(credit(unit, 'eager', 30n), { perAgentMax: 200n, totalMax: 10_000n }),
      ),
    )
    expect(answers.filter((answer) => answer.admitted)).toHaveLength(6)
    expect(
      answers.filter((answer) => !answer.admitted && answer.code === 'CREDIT_AGENT_LIMIT'),
    ).toHaveLength(44)
    const crowd = await Promise.all(
      Array.from({ length: 50 }, (_, index) =>
        book.reserve(credit(unit, `crowd${index}`, 30n), { perAgentMax: 200n, totalMax: 500n }),
      ),
    )
    // 180 is outstanding already: (500 - 180) / 30 more fit in total.
    expect(crowd.filter((answer) => answer.admitted)).toHaveLength(10)
    const [row] = (await book.agents()).filter((one) => one.agent === 'eager' && one.unit === unit)
    expect(row).toMatchObject({ outstanding: 180n, outstandingCount: 6 })
  })

  it('keeps a debt across closing and reopening the database, and it still blocks', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'tollgate-credit-book-'))
    try {
      const unit = freshUnit()
      const first = await openLedger({ dataDir })
      const failed = credit(unit, 'broke', 100n)
      await new SqlCreditBook(first.sql).reserve(failed, limits)
      await new SqlCreditBook(first.sql).defaulted(failed.id, 'insufficient funds')
      await first.close()

      const reopened = await openLedger({ dataDir })
      try {
        const again = new SqlCreditBook(reopened.sql)
        expect(await again.entry(failed.id)).toMatchObject({
          state: 'defaulted',
          reason: 'insufficient funds',
          amount: 100n,
        })
        expect(await again.reserve(credit(unit, 'broke', 1n), limits)).toMatchObject({
          admitted: false,
          code: 'CREDIT_IN_DEBT',
        })
      } finally {
        await reopened.close()
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true })
    }
  })

  it('answers a database it cannot reach as the book being unavailable', async () => {
    const refused = () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:5432'))
    const down: Sql = {
      engine: 'postgres',
      query: refused,
      exec: refused,
      transaction: refused,
      close: async () => undefined,
    }
    const unreachable = new SqlCreditBook(down)
    const failure = await unreachable.reserve(credit(freshUnit(), 'a', 1n), limits).catch((e) => e)
    expect(isTollgateError(failure, 'CREDIT_BOOK_UNAVAILABLE')).toBe(true)
    expect(failure.cause).toMatchObject({ message: expect.stringContaining('ECONNREFUSED') })
    // Bad arguments are still the caller's error, not the database's.
    await expect(unreachable.settled('x', '')).rejects.toThrow(TypeError)
    await expect(unreachable.outstanding()).rejects.toMatchObject({
      code: 'CREDIT_BOOK_UNAVAILABLE',
    })
  })
})
