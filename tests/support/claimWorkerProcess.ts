/**
 * A process that runs the claim workload on PostgreSQL, for tests that need claims from several
 * processes at once. Configured by CLAIM_WORKER (JSON); prints its tally as one JSON line.
 */
import { openLedger } from '@tollgate/ledger'
import { type ClaimWorkload, runClaimWorkload } from './claimWorkload.ts'

interface WorkerConfig extends ClaimWorkload {
  databaseUrl: string
  schema: string
  owner: string
}

const config = JSON.parse(process.env.CLAIM_WORKER ?? '{}') as WorkerConfig
const ledger = await openLedger({ databaseUrl: config.databaseUrl, schema: config.schema })
try {
  const tally = await runClaimWorkload(ledger, config.owner, config)
  process.stdout.write(`${JSON.stringify(tally)}\n`)
} finally {
  await ledger.close()
}
