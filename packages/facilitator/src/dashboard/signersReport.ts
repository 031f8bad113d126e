/**
 * @module
 * `GET /api/signers`: each network's signers with their balance (from the schemes' readiness
 * checks, read live and bounded in time), their next nonce and transactions not yet final (from
 * the ledger), and an alert for every network whose check failed (a balance below its threshold,
 * an RPC down).
 *
 * Readiness rather than `stats()`: reading stats takes the batch sizes Prometheus has not
 * scraped yet.
 */
import {
  type ChainDescriptor,
  chainOf,
  formatAtomicUnits,
  type ReadinessCheck,
  type SignerActivity,
} from '@tollgate/core'

export interface SignerRow {
  network: string
  address: string
  /** Decimal string in `unit`, when the check could read it. */
  balance?: string
  unit?: string
  nextNonce?: number
  pendingTransactions: number
  lastTransactionAt?: string
  /** The network's check failed naming this signer, or naming none (e.g. "fee payers below"). */
  low: boolean
}

export interface SignersReport {
  signers: SignerRow[]
  alerts: Array<{ network: string; message: string }>
  checkedAt: string
}

/**
 * The balances a check read (atomic units of the chain's fee coin), in whole units of the coin
 * its chain's descriptor names; in atomic units without a descriptor.
 */
function balancesOf(
  check: ReadinessCheck,
  chain: ChainDescriptor | undefined,
): { unit: string; balances: Array<[string, string]> } {
  const atomic = Object.entries(check.signerBalances ?? {}).filter(([, value]) =>
    /^[0-9]+$/.test(value),
  )
  if (!chain) return { unit: 'atomic', balances: atomic }
  const { symbol, decimals } = chain.feeUnit
  return {
    unit: symbol,
    balances: atomic.map(([address, value]) => [
      address,
      formatAtomicUnits(BigInt(value), decimals),
    ]),
  }
}

/**
 * Joins the readiness checks, the facilitator's signers per CAIP family (for networks whose
 * check read no balances) and the ledger's activity into one row per (network, signer).
 */
export function signersReport(
  checks: readonly ReadinessCheck[],
  familySigners: Readonly<Record<string, string[]>>,
  activity: readonly SignerActivity[],
  now: Date,
  chains: readonly ChainDescriptor[] = [],
): SignersReport {
  const signers: SignerRow[] = []
  const alerts: SignersReport['alerts'] = []
  for (const check of checks) {
    const failed = !check.ok
    if (failed) alerts.push({ network: check.network, message: check.message ?? 'not ready' })
    const chain = chainOf(chains, check.network)
    const sameAddress = (left: string, right: string) =>
      left === right || (chain?.sameAddress(left, right) ?? false)
    const { unit, balances } = balancesOf(check, chain)
    const addresses =
      balances.length > 0
        ? balances
        : (familySigners[`${check.network.split(':')[0]}:*`] ?? []).map(
            (address): [string, string | undefined] => [address, undefined],
          )
    const named = addresses.filter(([address]) => check.message?.includes(address))
    for (const [address, balance] of addresses) {
      const ledger = activity.find(
        (row) => row.network === check.network && sameAddress(row.signer, address),
      )
      signers.push({
        network: check.network,
        address,
        ...(balance !== undefined ? { balance, unit } : {}),
        ...(ledger ? { nextNonce: ledger.nextNonce } : {}),
        pendingTransactions: ledger?.pendingTransactions ?? 0,
        ...(ledger?.lastTransactionAt
          ? { lastTransactionAt: ledger.lastTransactionAt.toISOString() }
          : {}),
        low:
          failed &&
          /below/.test(check.message ?? '') &&
          (named.length === 0 || named.some(([candidate]) => candidate === address)),
      })
    }
  }
  return { signers, alerts, checkedAt: now.toISOString() }
}
