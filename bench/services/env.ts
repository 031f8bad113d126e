import type { Address, Hex } from 'viem'

/** What the orchestrator hands each service process, through the environment. */
export interface ServiceEnv {
  rpcUrl: string
  network: `${string}:${string}`
  key: Hex
  asset: { address: Address; name: string; version: string; decimals: number; symbol: string }
  payTo: Address
  facilitatorUrl: string
  multicall3?: Address | undefined
  /** Embedded ledger folder for Tollgate's facilitator; absent keeps it in memory. */
  ledgerDir?: string | undefined
  /** ERC-8004 registries and the reviewer whose ratings a credit line trusts. */
  trust?: { identityRegistry: Address; reputationRegistry: Address; reviewer: Address } | undefined
}

export function readServiceEnv(): ServiceEnv {
  const raw = process.env.BENCH_SERVICE
  if (!raw) throw new Error('BENCH_SERVICE is not set: services are started by bench/run.ts')
  return JSON.parse(raw) as ServiceEnv
}

/** Tells the parent where the service listens, on one stdout line. */
export function announce(url: string): void {
  process.stdout.write(`${JSON.stringify({ url })}\n`)
  // A normal exit on SIGTERM, so `--cpu-prof` (BENCH_PROFILE=1) gets to write its profile.
  process.on('SIGTERM', () => process.exit(0))
}
