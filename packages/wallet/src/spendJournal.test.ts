/**
 * The journal folder behind `SpendStore.open({ dataDir })`: processes sharing it cannot together
 * exceed a budget, what it records survives a restart, a line torn by a crash is dropped, a
 * damaged one is reported, and compaction keeps every payment.
 */
import { execFile } from 'node:child_process'
import { appendFile, mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { parseSpendingPolicy } from './policy.ts'
import { SpendStore } from './spendStore.ts'
import { spendRequest } from './testing/spendRequest.ts'

const run = promisify(execFile)
const root = resolve(import.meta.dirname, '../../..')

const request = spendRequest
const folder = () => mkdtemp(join(tmpdir(), 'tollgate-journal-'))

/** Reserves `count` payments of $0.01 against a $0.25 daily budget, in its own process. */
const reserver = `
const { SpendStore, parseSpendingPolicy } = await import('@tollgate/wallet')
const store = await SpendStore.open({ dataDir: process.argv[1] })
const { budgets } = parseSpendingPolicy({ budgets: [{ limit: '$0.25', per: 'day' }] })
let ok = 0
for (let i = 0; i < Number(process.argv[2]); i++) {
  const reservation = await store.reserve({
    url: 'https://api.example.com/x', host: 'api.example.com', network: 'eip155:8453',
    asset: '0xa', payTo: '0xb', amount: 10000n, decimals: 6, usdMicros: 10000n,
    validForSeconds: 300,
  }, budgets)
  if (reservation.ok) ok++
}
await store.close()
process.stdout.write(String(ok))
`

describe('the spending journal', () => {
  it('holds a budget across processes reserving at the same time', async () => {
    const dataDir = await folder()
    const counts = await Promise.all(
      Array.from({ length: 4 }, () =>
        run(process.execPath, ['--input-type=module', '-e', reserver, dataDir, '12'], {
          cwd: root,
        }).then(({ stdout }) => Number(stdout)),
      ),
    )
    // 48 tries, a budget for 25.
    expect(counts.reduce((sum, count) => sum + count, 0)).toBe(25)
    const store = await SpendStore.open({ dataDir })
    const { budgets } = parseSpendingPolicy({ budgets: [{ limit: '$0.25', per: 'day' }] })
    expect(await store.spent(budgets[0]!)).toBe(250_000n)
    expect(await store.list({ limit: 100 })).toHaveLength(25)
    await store.close()
  })

  it('keeps what it recorded when reopened, and drops a line a crash cut short', async () => {
    const dataDir = await folder()
    const first = await SpendStore.open({ dataDir })
    const reserved = await first.reserve(request(), [])
    if (!reserved.ok) throw new Error('no budgets')
    await first.update(reserved.id, { state: 'settled', transaction: '0x01' })
    await first.close()
    await appendFile(join(dataDir, 'journal.jsonl'), '{"op":"reserve","entry":{"id":"to')

    const second = await SpendStore.open({ dataDir })
    expect(await second.list()).toMatchObject([
      { id: reserved.id, state: 'settled', transaction: '0x01' },
    ])
    const next = await second.reserve(request(), [])
    expect(next.ok).toBe(true)
    await second.close()
    const lines = (await readFile(join(dataDir, 'journal.jsonl'), 'utf8')).trim().split('\n')
    expect(lines).toHaveLength(3)
    for (const line of lines) expect(() => JSON.parse(line)).not.toThrow()
  })

  it('refuses to guess over a damaged line, and says which file and line', async () => {
    const dataDir = await folder()
    await writeFile(join(dataDir, 'journal.jsonl'), '{"op":"reserve"}\n')
    const store = await SpendStore.open({ dataDir })
    await expect(store.reserve(request(), [])).rejects.toThrow(
      `${join(dataDir, 'journal.jsonl')} line 1 is not a spending record`,
    )
    await store.close()
  })

  it('rewrites a long journal as one line per payment, keeping every payment and state', async () => {
    const dataDir = await folder()
    const store = await SpendStore.open({ dataDir })
    const ids: string[] = []
    for (let i = 0; i < 300; i++) {
      const reserved = await store.reserve(request({ host: `h${i % 7}.example` }), [])
      if (!reserved.ok) throw new Error('no budgets')
      ids.push(reserved.id)
      await store.update(reserved.id, { state: 'signed' })
      await store.update(reserved.id, { state: i % 2 ? 'settled' : 'abandoned' })
      await store.update(reserved.id, { state: i % 2 ? 'settled' : 'abandoned', reason: 'x' })
    }
    await store.list()
    const lines = (await readFile(join(dataDir, 'journal.jsonl'), 'utf8')).trim().split('\n')
    expect(lines.length).toBeLessThan(1_000)
    const records = await store.list({ limit: 1_000 })
    expect(records).toHaveLength(300)
    expect(records.filter((record) => record.state === 'settled')).toHaveLength(150)
    expect(await store.spent({ limit: 10n ** 12n })).toBe(150n * 10_000n)
    await store.close()
  })
})
