/**
 * The credit book's caps hold across server instances that share one PostgreSQL. Method: two
 * `SqlCreditBook`s, each over a ledger of its own (its own pool of connections, as two server
 * instances would have), on one schema; they race 50 reservations each, at once. The agent cap
 * must admit exactly as many as fit, across both, and so must the total cap when every
 * reservation is another agent's; both books must then read the same sums.
 */
import type { CreditReservation, NewCreditEntry } from '@tollgate/core'
import { openLedger, SqlCreditBook, type SqlLedger } from '@tollgate/ledger'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { postgresUrl, requireService, uniqueSchema } from './support/services.ts'

const postgresAvailable = await requireService('postgres')

const amount = 10n
let counter = 0
function credit(unit: string, agent: string): NewCreditEntry {
  counter++
  return {
    id: `instance-race-${counter}`,
    agent,
    unit,
    amount,
    payment: '{}',
    deadline: new Date(Date.now() + 60_000),
  }
}

function admittedOf(answers: CreditReservation[]): number {
  return answers.filter((answer) => answer.admitted).length
}

describe.runIf(postgresAvailable)('credit book shared by two instances on PostgreSQL', () => {
  const ledgers: SqlLedger[] = []
  let books: [SqlCreditBook, SqlCreditBook]
  beforeAll(async () => {
    const schema = uniqueSchema('credit_book')
    // One after the other: the first brings the schema up to date, the second finds it so.
    for (let i = 0; i < 2; i++) ledgers.push(await openLedger({ databaseUrl: postgresUrl, schema }))
    books = [new SqlCreditBook(ledgers[0]!.sql), new SqlCreditBook(ledgers[1]!.sql)]
  })
  afterAll(async () => {
    for (const ledger of ledgers) await ledger.close()
  })

  /** 50 reservations from each book, all started before any is answered. */
  function race(
    entryOf: (index: number) => NewCreditEntry,
    limits: Parameters<SqlCreditBook['reserve']>[1],
  ) {
    return Promise.all(
      Array.from({ length: 100 }, (_, index) => books[index % 2]!.reserve(entryOf(index), limits)),
    )
  }

  it('never lets one agent exceed its cap, whichever instance admits it', async () => {
    const unit = 'eip155:31337/0xshared-agent'
    const answers = await race(() => credit(unit, 'agent-7'), {
      perAgentMax: 235n,
      totalMax: 10_000n,
    })
    expect(admittedOf(answers)).toBe(23)
    const refused = answers.filter((answer) => !answer.admitted)
    expect(refused.every((answer) => answer.code === 'CREDIT_AGENT_LIMIT')).toBe(true)
    for (const book of books) {
      const [row] = (await book.agents()).filter((one) => one.unit === unit)
      expect(row).toMatchObject({ agent: 'agent-7', outstanding: 230n, outstandingCount: 23 })
    }
  })

  it('never lets all agents together exceed the total cap', async () => {
    const unit = 'eip155:31337/0xshared-total'
    const answers = await race((index) => credit(unit, `agent-${index}`), {
      perAgentMax: 100n,
      totalMax: 375n,
    })
    expect(admittedOf(answers)).toBe(37)
    const outstanding = (await books[1].outstanding()).filter((entry) => entry.unit === unit)
    expect(outstanding.reduce((total, entry) => total + entry.amount, 0n)).toBe(370n)
  })
})
