/**
 * kill -9 of a facilitator process right after its nth ledger write, then a restart: what every
 * crash test at every write checks. The writes of one settlement are counted first (a run that is
 * not killed), then the process is killed after each of them in turn.
 */
import { reasonOf, type SettleResponse } from '@tollgate/core'
import { eip3009Abi } from '@tollgate/evm'
import { type DevStack, rpcClient } from 'tollgate'
import { type Hex, parseEventLogs } from 'viem'
import { expect } from 'vitest'
import { type FacilitatorChild, spawnFacilitator } from './spawnFacilitator.ts'
import { facilitatorBody, signPayment, tokenBalance, weatherRequirements } from './stack.ts'

export type SettleBody = ReturnType<typeof facilitatorBody>

export async function postSettle(url: string, body: SettleBody): Promise<SettleResponse> {
  const response = await fetch(`${url}/settle`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
  return (await response.json()) as SettleResponse
}

/** Fresh payments for the stack's weather price, as a client signs them. */
export async function freshPayments(stack: DevStack, count: number): Promise<SettleBody[]> {
  const requirements = weatherRequirements(stack.manifest)
  return Promise.all(
    Array.from({ length: count }, async () =>
      facilitatorBody(await signPayment(stack.manifest, requirements), requirements),
    ),
  )
}

/** The ledger writes a process reported, in order. */
export function writesOf(child: FacilitatorChild): string[] {
  return child
    .output()
    .split('\n')
    .filter((line) => line.startsWith('{"write"'))
    .map((line) => (JSON.parse(line) as { method: string }).method)
}

/**
 * Settles `bodies` through a process that is not killed and returns the writes they took, so
 * the crash runs enumerate exactly those.
 */
export async function countSettlementWrites(
  config: Record<string, unknown>,
  bodies: SettleBody[],
): Promise<string[]> {
  const child = await spawnFacilitator(config)
  try {
    const answers = await Promise.all(bodies.map((body) => postSettle(child.url, body)))
    expect(answers.map((answer) => answer.success)).toEqual(bodies.map(() => true))
    // The last write (the transaction's receipt) comes after the answers: wait until none come.
    let seen = -1
    while (writesOf(child).length !== seen) {
      seen = writesOf(child).length
      await new Promise((resolve) => setTimeout(resolve, 1_000))
    }
    return writesOf(child)
  } finally {
    await child.stop()
  }
}

export interface CrashOutcome {
  /** Whether the process died at that write (a run with fewer writes than counted is not). */
  killed: boolean
  /** What the killed process answered before it died, per payment. */
  before: Array<SettleResponse | undefined>
}

/** Sends `bodies` to a process that kills itself after its nth write; waits for it to die. */
export async function settleUntilKilled(
  config: Record<string, unknown>,
  bodies: SettleBody[],
  write: number,
): Promise<CrashOutcome> {
  const doomed = await spawnFacilitator({ ...config, killAfterWrite: write })
  const answers = bodies.map((body) => postSettle(doomed.url, body).catch(() => undefined))
  const finished = Promise.all(answers).then(() => 'answered')
  const how = await Promise.race([doomed.exited, finished])
  if (how !== 'SIGKILL') {
    // Every answer came back before the nth write: wait a little for the writes after them.
    const late = await Promise.race([
      doomed.exited,
      new Promise((resolve) => setTimeout(() => resolve('alive'), 2_000)),
    ])
    if (late !== 'SIGKILL') {
      await doomed.stop()
      return { killed: false, before: await Promise.all(answers) }
    }
  }
  return { killed: true, before: await Promise.all(answers) }
}

/**
 * Asks again, as a client does, until each payment has a final answer: `settlement_pending`
 * means ask again. The facilitators are asked in turn.
 */
export async function retryUntilFinal(
  urls: string[],
  bodies: SettleBody[],
  timeoutMs: number,
): Promise<SettleResponse[]> {
  const deadline = Date.now() + timeoutMs
  return Promise.all(
    bodies.map(async (body, index) => {
      for (let attempt = 0; ; attempt++) {
        const answer = await postSettle(urls[(index + attempt) % urls.length]!, body)
        const pending = answer.errorReason === reasonOf('SETTLEMENT_PENDING')
        if (!pending || Date.now() > deadline) return answer
        await new Promise((resolve) => setTimeout(resolve, 200))
      }
    }),
  )
}

/**
 * On chain, each payment's authorization was used once, by the transaction its answer names,
 * and the payer and payee balances moved by exactly the payments' amounts.
 */
export async function expectSettledOnce(
  stack: DevStack,
  bodies: SettleBody[],
  answers: SettleResponse[],
  balancesBefore: { payer: bigint; payee: bigint },
): Promise<void> {
  const { manifest } = stack
  const client = rpcClient(manifest.rpcUrl)
  const used = parseEventLogs({
    abi: eip3009Abi,
    eventName: 'AuthorizationUsed',
    logs: await client.getLogs({ address: manifest.asset.address, fromBlock: 0n }),
  })
  for (const [index, body] of bodies.entries()) {
    const nonce = (body.paymentPayload.payload.authorization as { nonce: Hex }).nonce
    const uses = used.filter((log) => log.args.nonce === nonce)
    expect(uses.map((log) => log.transactionHash)).toEqual([answers[index]!.transaction])
  }
  const amount = BigInt(weatherRequirements(manifest).amount) * BigInt(bodies.length)
  expect(await tokenBalance(manifest, manifest.accounts.payer.address)).toBe(
    balancesBefore.payer - amount,
  )
  expect(await tokenBalance(manifest, manifest.accounts.merchant.address)).toBe(
    balancesBefore.payee + amount,
  )
}

export async function balances(stack: DevStack): Promise<{ payer: bigint; payee: bigint }> {
  const { manifest } = stack
  return {
    payer: await tokenBalance(manifest, manifest.accounts.payer.address),
    payee: await tokenBalance(manifest, manifest.accounts.merchant.address),
  }
}

/**
 * The writes of one settlement: the claims (one statement, or more when they did not arrive
 * together), then one transaction: stored signed, marked broadcast, then its receipt (the node
 * answers the send with it) recorded with its payments confirmed. Returns how many claim
 * statements there were.
 */
export function expectSettlementWrites(writes: string[]): number {
  const claims = writes.filter((method) => method === 'claimMany').length
  expect(claims).toBeGreaterThanOrEqual(1)
  expect(writes).toEqual([
    ...Array.from({ length: claims }, () => 'claimMany'),
    'submit',
    'markTransaction',
    'recordReceipt',
  ])
  return claims
}

/**
 * How many runs must have died: claims may gather into fewer statements in one run than in the
 * counted one, and such a run ends before the last writes. One payment's claim is always one.
 */
export function runsThatMustDie(writes: string[], claims: number): number {
  return writes.length - (claims - 1)
}
