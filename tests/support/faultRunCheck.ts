/**
 * The end of a fault run: what the chain, the facilitator's ledger and the buyers say, and the
 * invariants between them. Money: Σ payer debits = merchant credit = Σ confirmed amounts in the
 * ledger = Σ Transfer logs, one AuthorizationUsed per confirmed payment. Service: every 200 is
 * for a payment confirmed on chain, the 200s of one payment are byte-identical (one handler run
 * reached buyers), and no payment is left open.
 */
import type { LedgerPayment, PaymentPayload } from '@tollgate/core'
import { terminalPaymentStates } from '@tollgate/core'
import { eip3009Abi } from '@tollgate/evm'
import { type DevManifest, rpcClient } from 'tollgate'
import { type Address, erc20Abi, parseEventLogs } from 'viem'
import type { RunLog } from './faultRunDriver.ts'
import type { HandlerRun } from './faultRunServer.ts'
import type { RpcCall } from './rpcProxy.ts'

export interface ChainView {
  debits: bigint
  credit: bigint
  /** Σ Transfer values from the payers to the merchant since the run began. */
  transferred: bigint
  /** Nonces of AuthorizationUsed events of the payers since the run began (lowercase). */
  usedNonces: string[]
}

export interface RunFacts {
  seed: number
  log: RunLog
  chain: ChainView
  ledger: LedgerPayment[]
  runs: HandlerRun[]
  calls: RpcCall[]
}

export function nonceOf(payment: PaymentPayload | undefined): string | undefined {
  const authorization = payment?.payload.authorization
  if (typeof authorization !== 'object' || authorization === null) return undefined
  const nonce: unknown = Reflect.get(authorization, 'nonce')
  return typeof nonce === 'string' ? nonce.toLowerCase() : undefined
}

/** Balances and logs of the payers and the merchant, against the balances before the run. */
export async function readChain(
  manifest: DevManifest,
  payers: readonly Address[],
  before: { payers: bigint[]; merchant: bigint; block: bigint },
): Promise<ChainView> {
  const client = rpcClient(manifest.rpcUrl)
  const balance = (owner: Address) =>
    client.readContract({
      address: manifest.asset.address,
      abi: erc20Abi,
      functionName: 'balanceOf',
      args: [owner],
    })
  const after = await Promise.all(payers.map(balance))
  const merchant = manifest.accounts.merchant.address as Address
  const logs = await client.getLogs({ address: manifest.asset.address, fromBlock: before.block })
  const ours = new Set(payers.map((payer) => payer.toLowerCase()))
  const transfers = parseEventLogs({ abi: erc20Abi, eventName: 'Transfer', logs }).filter(
    (log) =>
      ours.has(log.args.from.toLowerCase()) && log.args.to.toLowerCase() === merchant.toLowerCase(),
  )
  const used = parseEventLogs({ abi: eip3009Abi, eventName: 'AuthorizationUsed', logs }).filter(
    (log) => ours.has(log.args.authorizer.toLowerCase()),
  )
  return {
    debits: before.payers.reduce((sum, value, index) => sum + value - after[index]!, 0n),
    credit: (await balance(merchant)) - before.merchant,
    transferred: transfers.reduce((sum, log) => sum + log.args.value, 0n),
    usedNonces: used.map((log) => log.args.nonce.toLowerCase()),
  }
}

/** Every invariant the run broke, each as one sentence naming the payment. */
export function violations(facts: RunFacts): string[] {
  const { log, chain, ledger, runs } = facts
  const broken: string[] = []
  const confirmed = ledger.filter((payment) => payment.state === 'confirmed')
  const ledgerSum = confirmed.reduce((sum, payment) => sum + BigInt(payment.amount), 0n)
  if (chain.debits !== chain.credit)
    broken.push(`payer debits ${chain.debits} ≠ merchant credit ${chain.credit}`)
  if (chain.credit !== ledgerSum)
    broken.push(`merchant credit ${chain.credit} ≠ ledger confirmed ${ledgerSum}`)
  if (chain.transferred !== chain.debits)
    broken.push(`Transfer logs ${chain.transferred} ≠ payer debits ${chain.debits}`)
  const used = new Set(chain.usedNonces)
  if (used.size !== chain.usedNonces.length) broken.push('an authorization was used twice')
  if (used.size !== confirmed.length)
    broken.push(`${used.size} AuthorizationUsed ≠ ${confirmed.length} confirmed payments`)
  for (const payment of ledger) {
    if (!terminalPaymentStates.includes(payment.state))
      broken.push(`payment ${payment.id} left ${payment.state}`)
  }
  const stateByNonce = new Map(
    ledger.map((payment) => [nonceOf(payment.payment.paymentPayload), payment.state]),
  )
  const settledOnChain = (nonce: string | undefined) =>
    nonce !== undefined && used.has(nonce) && stateByNonce.get(nonce) === 'confirmed'
  const runsOf = new Map<string, Set<string>>()
  for (const run of runs) runsOf.set(run.p, (runsOf.get(run.p) ?? new Set()).add(run.run))
  for (const record of log.payments) {
    const served = record.answers.filter((answer) => answer.status === 200)
    if (served.length === 0) continue
    const nonce = nonceOf(record.payment)
    if (!settledOnChain(nonce)) broken.push(`${record.p}: a 200 for a payment not settled`)
    const bodies = new Set(served.map((answer) => `${answer.body}\n${answer.receipt}`))
    if (bodies.size > 1) broken.push(`${record.p}: ${bodies.size} different 200s`)
    for (const answer of served) {
      const body = JSON.parse(answer.body) as Partial<HandlerRun>
      if (body.p !== record.p || !runsOf.get(record.p)?.has(String(body.run)))
        broken.push(`${record.p}: a 200 no handler run of this payment wrote`)
    }
  }
  for (const unserved of paidUnserved(facts)) {
    if (!unserved.settledOutside)
      broken.push(
        `${unserved.p}: paid on chain, never served through the server (${unserved.story})`,
      )
  }
  for (const duplicate of log.duplicates) {
    const record = log.payments.find((candidate) => candidate.p === duplicate.p)
    if (duplicate.body?.success === true && !settledOnChain(nonceOf(record?.payment)))
      broken.push(`${duplicate.p}: a duplicate settle answered success for a payment not settled`)
  }
  return broken
}

/**
 * Payments settled on chain whose buyer never got a 200, even coming back after the faults
 * stopped: paid for, not served. Each with what its buyer and the duplicate settles saw.
 */
export function paidUnserved(
  facts: RunFacts,
): { p: string; settledOutside: boolean; story: string }[] {
  const used = new Set(facts.chain.usedNonces)
  return facts.log.payments
    .filter((record) => {
      const nonce = nonceOf(record.payment)
      return nonce !== undefined && used.has(nonce)
    })
    .filter((record) => !record.answers.some((answer) => answer.status === 200))
    .map((record) => {
      const answers = record.answers.map((answer) => `${answer.via}:${answer.judged}`)
      const duplicates = facts.log.duplicates.filter((duplicate) => duplicate.p === record.p)
      const runs = facts.runs.filter((run) => run.p === record.p).length
      const settledAgain = duplicates.map((duplicate) =>
        duplicate.body?.success === true ? 'success' : String(duplicate.body?.errorReason),
      )
      return {
        p: record.p,
        // A settle sent straight to the facilitator may have taken the payment before the server.
        settledOutside: duplicates.length > 0,
        story: `answers [${answers.join(', ')}], error ${record.error ?? '-'}, handler runs ${runs}, duplicate settles [${settledAgain.join(', ')}]`,
      }
    })
}

function countBy<T>(items: readonly T[], key: (item: T) => string | undefined) {
  const counts: Record<string, number> = {}
  for (const item of items) {
    const name = key(item)
    if (name !== undefined) counts[name] = (counts[name] ?? 0) + 1
  }
  return counts
}

/** The one-line summary the run prints. */
export function summary(facts: RunFacts) {
  const { log, chain, ledger, runs, calls } = facts
  const answers = log.payments.flatMap((record) => record.answers)
  return {
    seed: facts.seed,
    payments: log.payments.length,
    signed: log.payments.filter((record) => record.payment).length,
    ok200: answers.filter((answer) => answer.status === 200 && answer.via === 'client').length,
    replays: answers.filter((answer) => answer.via === 'replay').length,
    replays200: answers.filter((answer) => answer.via === 'replay' && answer.status === 200).length,
    late: countBy(
      answers.filter((answer) => answer.via === 'late'),
      (answer) => answer.judged,
    ),
    refusals: countBy(log.payments, (record) => {
      if (record.error) return record.error
      const outcome = record.outcome
      if (!outcome || outcome.state === 'settled') return undefined
      return `${outcome.state}:${outcome.reason}`
    }),
    faults: countBy(calls, (call) => {
      const fault = call.fault
      if (!fault) return undefined
      if (fault.kind === 'error') return 'status' in fault ? `error-${fault.status}` : 'rpc-error'
      return fault.kind
    }),
    rpcCalls: calls.length,
    kills: log.kills,
    reorgs: log.reorgs,
    duplicateSettles: countBy(log.duplicates, (duplicate) => {
      if (duplicate.body === null) return 'no-answer'
      if (duplicate.body.success === true) return 'success'
      return String(duplicate.body.errorReason ?? duplicate.body.error ?? duplicate.status)
    }),
    ledger: countBy(ledger, (payment) => payment.state),
    handlerRuns: runs.length,
    paidUnserved: paidUnserved(facts).length,
    wavesMs: log.wavesMs,
    restartsMs: log.restartsMs,
    debits: String(chain.debits),
    credit: String(chain.credit),
  }
}
