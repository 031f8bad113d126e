/**
 * A facilitator in its own process, for tests that kill it or run several. Configured by the
 * FACILITATOR_PROCESS environment variable (JSON); prints `{"url": …}` when it listens.
 * With `crashAt`, it kills itself with SIGKILL at that settlement step, leaving the ledger as a
 * real crash would. Once it listens, it prints `{"write": n, "method": …}` after each ledger
 * write; with `killAfterWrite: n`, it kills itself with SIGKILL right after the nth of them
 * returns (the write committed, nothing after it done).
 */
import type { SettlementLedger } from '@tollgate/core'
import { openLedger } from '@tollgate/ledger'
import { buildFacilitator, listen } from 'tollgate'
import type { Address, Hex } from 'viem'

interface ProcessConfig {
  rpcUrl: string
  network: string
  signerKey: Hex
  asset: { address: Address; name: string; version: string; decimals: number; symbol: string }
  multicall3?: Address
  ledger: { dataDir?: string; databaseUrl?: string; schema?: string }
  port: number
  crashAt?: string
  killAfterWrite?: number
  batch?: { maxSize: number; maxWaitMs: number } | false
  receiptTimeoutMs?: number
  leaseMs?: number
  recoveryIntervalMs?: number
}

/** Every method of the ledger port that changes what is stored. */
const writeMethods = new Set<string>([
  'claim',
  'claimMany',
  'transition',
  'submit',
  'replace',
  'fillNonce',
  'markTransaction',
  'recordReceipt',
  'reorganised',
  'renewLeases',
  'takeOverExpired',
  'recordVerifications',
  'bindChain',
  'maintain',
])

/** The ledger, with each write reported once it returns while `armed()` says so. */
function countingLedger(
  ledger: SettlementLedger,
  armed: () => boolean,
  written: (method: string) => void,
): SettlementLedger {
  return new Proxy(ledger, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target)
      if (typeof value !== 'function') return value
      const method = String(property)
      if (!writeMethods.has(method)) return value.bind(target)
      return async (...args: unknown[]) => {
        const result: unknown = await value.apply(target, args)
        if (armed()) written(method)
        return result
      }
    },
  })
}

const config = JSON.parse(process.env.FACILITATOR_PROCESS ?? '{}') as ProcessConfig
let listening = false
let writes = 0
const ledger = countingLedger(
  await openLedger(config.ledger),
  () => listening,
  (method) => {
    writes += 1
    process.stdout.write(`${JSON.stringify({ write: writes, method })}\n`)
    if (writes === config.killAfterWrite) process.kill(process.pid, 'SIGKILL')
  },
)
const built = await buildFacilitator({
  networks: [
    {
      network: config.network,
      rpcUrl: config.rpcUrl,
      signerKeys: [config.signerKey],
      assets: [config.asset],
      multicall3: config.multicall3,
    },
  ],
  ledger,
  ...(config.batch !== undefined ? { batch: config.batch } : {}),
  ...(config.receiptTimeoutMs ? { receiptTimeoutMs: config.receiptTimeoutMs } : {}),
  chainOptions: {
    eip155: {
      tuning: {
        ...(config.leaseMs ? { leaseMs: config.leaseMs } : {}),
        ...(config.recoveryIntervalMs ? { recoveryIntervalMs: config.recoveryIntervalMs } : {}),
      },
      onSettlementStep: (step) => {
        if (step === config.crashAt) process.kill(process.pid, 'SIGKILL')
      },
    },
  },
})
const server = await listen(built.app, config.port)
listening = true
process.stdout.write(`${JSON.stringify({ url: server.url })}\n`)
process.on('SIGTERM', async () => {
  await server.close()
  await built.close()
  await ledger.close()
  process.exit(0)
})
