import type { SettleResponse } from '@tollgate/core'
import { describe, expect, it } from 'vitest'
import { SettlementGuard } from './settlementGuard.ts'

const success: SettleResponse = { success: true, transaction: '0xaa', network: 'eip155:1' }
const pending: SettleResponse = {
  success: false,
  errorReason: 'settlement_pending',
  transaction: '0xbb',
  network: 'eip155:1',
}
const failure: SettleResponse = {
  success: false,
  errorReason: 'invalid_exact_evm_signature',
  transaction: '',
  network: 'eip155:1',
}

describe('SettlementGuard', () => {
  it('runs one settlement for concurrent callers with the same signature', async () => {
    const guard = new SettlementGuard()
    let runs = 0
    const settle = async () => {
      runs++
      await new Promise((resolve) => setTimeout(resolve, 10))
      return success
    }
    const outcomes = await Promise.all(
      Array.from({ length: 5 }, () => guard.run('k', 'sig', settle)),
    )
    expect(outcomes).toEqual(Array(5).fill(success))
    expect(runs).toBe(1)
    expect(await guard.run('k', 'sig', settle)).toBe(success)
    expect(runs).toBe(1)
  })

  it('refuses the same authorization with another signature, in flight or settled', async () => {
    const guard = new SettlementGuard()
    const running = guard.run('k', 'sig-a', async () => {
      await new Promise((resolve) => setTimeout(resolve, 10))
      return success
    })
    expect(await guard.run('k', 'sig-b', async () => success)).toBe('conflict')
    await running
    expect(await guard.run('k', 'sig-b', async () => success)).toBe('conflict')
  })

  it('hands a pending outcome to the next attempt and forgets failures', async () => {
    const guard = new SettlementGuard()
    expect(await guard.run('k', 'sig', async () => pending)).toBe(pending)
    let previous: SettleResponse | undefined
    await guard.run('k', 'sig', async (seen) => {
      previous = seen
      return failure
    })
    expect(previous).toBe(pending)
    await guard.run('k', 'sig', async (seen) => {
      previous = seen
      return success
    })
    expect(previous).toBeUndefined()
  })

  it('keeps at most entriesMax settled authorizations', async () => {
    const guard = new SettlementGuard({ entriesMax: 2 })
    for (const key of ['a', 'b', 'c']) await guard.run(key, 'sig', async () => success)
    let reran = false
    await guard.run('a', 'sig', async () => {
      reran = true
      return success
    })
    expect(reran).toBe(true)
  })
})
