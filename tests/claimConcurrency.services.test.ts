/**
 * Concurrent claim batches on one PostgreSQL never deadlock into an error. Method: several
 * connections in this process and two other processes claim overlapping batches of the same
 * keys, each batch in its own random order, with a lease of 0 ms so every later claim takes the
 * row over (update) while others insert. Every batch must succeed, each key must have one row,
 * and the row's attempt count must equal the claims handed out for it across all workers.
 */
import { spawn } from 'node:child_process'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { SettlementLedger } from '@tollgate/core'
import { openLedger } from '@tollgate/ledger'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ClaimTally, type ClaimWorkload, runClaimWorkload } from './support/claimWorkload.ts'
import { postgresUrl, requireService, uniqueSchema } from './support/services.ts'

const postgresAvailable = await requireService('postgres')
const root = resolve(import.meta.dirname, '..')
const tsxLoader = pathToFileURL(join(root, 'node_modules/tsx/dist/loader.mjs')).href

/** Runs the workload in a process of its own (on the TypeScript sources) and returns its tally. */
function workerProcess(config: ClaimWorkload & { schema: string; owner: string }) {
  const child = spawn(
    process.execPath,
    [
      '--conditions=@tollgate/source',
      '--import',
      tsxLoader,
      join(import.meta.dirname, 'support/claimWorkerProcess.ts'),
    ],
    {
      env: {
        ...process.env,
        CLAIM_WORKER: JSON.stringify({ ...config, databaseUrl: postgresUrl }),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk
  })
  child.stderr.on('data', (chunk: Buffer) => {
    output += chunk
  })
  return new Promise<ClaimTally>((done, fail) =>
    child.on('exit', (code) => {
      const line = output.split('\n').find((candidate) => candidate.startsWith('{"claimed"'))
      if (code === 0 && line) done(JSON.parse(line) as ClaimTally)
      else fail(new Error(`claim worker exited ${code}:\n${output}`))
    }),
  )
}

describe.runIf(postgresAvailable)('claim batches from several connections and processes', () => {
  const schema = uniqueSchema('claim_race')
  const ledgers: SettlementLedger[] = []

  beforeAll(async () => {
    // The first creates the tables; the others are separate pools on the same schema.
    ledgers.push(await openLedger({ databaseUrl: postgresUrl, schema }))
    for (let index = 0; index < 3; index++)
      ledgers.push(await openLedger({ databaseUrl: postgresUrl, schema }))
  })
  afterAll(async () => {
    for (const ledger of ledgers) await ledger.close()
  })

  it('claims overlapping batches in random orders with no error and one row per key', async () => {
    const seed = Number(process.env.CLAIM_RACE_SEED ?? 402)
    const keys = Array.from({ length: 60 }, (_, index) => `race-${String(index).padStart(3, '0')}`)
    const workload = (index: number): ClaimWorkload => ({
      keys,
      rounds: 15,
      batchSize: 25,
      concurrency: 3,
      seed: seed + index,
    })
    const tallies = await Promise.all([
      ...ledgers.map((ledger, index) =>
        runClaimWorkload(ledger, `connection-${index}`, workload(index)),
      ),
      ...[0, 1].map((index) =>
        workerProcess({ ...workload(10 + index), schema, owner: `process-${index}` }),
      ),
    ])
    const context = `seed ${seed} (CLAIM_RACE_SEED=${seed} repeats it)`
    expect(
      tallies.flatMap((tally) => tally.errors),
      context,
    ).toEqual([])

    const claims = new Map<string, number>()
    for (const tally of tallies)
      for (const [key, count] of Object.entries(tally.claimed))
        claims.set(key, (claims.get(key) ?? 0) + count)
    const rows = await ledgers[0]!.recent({ limit: 500 })
    expect(rows.map((row) => row.key).sort(), context).toEqual(keys)
    for (const row of rows) expect(row.attempts, `${row.key}, ${context}`).toBe(claims.get(row.key))
  }, 120_000)
})
