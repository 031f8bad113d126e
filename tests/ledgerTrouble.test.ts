/**
 * What counts as the ledger being out of reach, on real failures: node-postgres against a port
 * nothing listens on and against a server that resets the connection, next to failures that are
 * not the ledger's (a query the database refuses, an RPC error), which must not be called so.
 */
import { once } from 'node:events'
import { createServer } from 'node:net'
import { TollgateError } from '@tollgate/core'
import { openPostgres } from '@tollgate/sql'
import { describe, expect, it } from 'vitest'
import { isLedgerUnreachable } from '../packages/facilitator/src/ledgerTrouble.ts'

/** The failure of a query to PostgreSQL at `port` (the pool connects on the first query). */
async function queryFailure(port: number): Promise<unknown> {
  const sql = await openPostgres(`postgres://postgres@127.0.0.1:${port}/test`)
  try {
    return await failureOf(() => sql.query('select 1'))
  } finally {
    await sql.close()
  }
}

async function failureOf(work: () => Promise<unknown>): Promise<unknown> {
  try {
    await work()
  } catch (error) {
    return error
  }
  throw new Error('expected a failure')
}

describe('isLedgerUnreachable', () => {
  it('recognises a refused connection and a reset one', async () => {
    const closed = createServer()
    closed.listen(0, '127.0.0.1')
    await once(closed, 'listening')
    const address = closed.address()
    if (address === null || typeof address === 'string') throw new Error('no port')
    closed.close()
    await once(closed, 'close')
    const refused = await queryFailure(address.port)
    expect(isLedgerUnreachable(refused)).toBe(true)

    const resetting = createServer((socket) => socket.resetAndDestroy())
    resetting.listen(0, '127.0.0.1')
    await once(resetting, 'listening')
    const resetAddress = resetting.address()
    if (resetAddress === null || typeof resetAddress === 'string') throw new Error('no port')
    const reset = await queryFailure(resetAddress.port)
    resetting.close()
    expect(isLedgerUnreachable(reset)).toBe(true)
  })

  it('leaves other failures alone', () => {
    expect(isLedgerUnreachable(new TollgateError('LEDGER_UNAVAILABLE', 'down'))).toBe(true)
    expect(isLedgerUnreachable(new TollgateError('SETTLE_UNEXPECTED', 'rpc down'))).toBe(false)
    // A query the database refused (invalid input) and a failed fetch to an RPC node.
    expect(isLedgerUnreachable(Object.assign(new Error('invalid input'), { code: '22P02' }))).toBe(
      false,
    )
    const fetchFailure = new TypeError('fetch failed', {
      cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
    })
    expect(isLedgerUnreachable(fetchFailure)).toBe(false)
    expect(isLedgerUnreachable(undefined)).toBe(false)
  })
})
