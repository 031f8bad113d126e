import type { DevManifest } from 'tollgate'
import { type PaidServerChild, spawnListening } from './spawnPaidServer.ts'

/** Starts tests/support/a2aMerchantProcess.ts; resolves once it listens. */
export function spawnA2aMerchant(config: {
  manifest: DevManifest
  folder: string
  port: number
  runsFile: string
  crashInWork?: boolean
}): Promise<PaidServerChild> {
  return spawnListening('a2aMerchantProcess.ts', { A2A_MERCHANT_PROCESS: JSON.stringify(config) })
}
