/**
 * Plays one fault-run schedule against the real parts: payers paying the paid API with the
 * fetch client (which presents the same signed payment again, same payment-identifier id, when
 * an answer is lost or unknown, then gives up), while the facilitator and the server are killed
 * with SIGKILL and started again, RPC fault rules are switched on and off, captured payments are
 * settled again straight at the facilitator, and blocks are reorganised away. It records what
 * every party saw, for the checks in faultRunCheck.ts.
 */
import { type Judgement, judgeResponse, type PaymentOutcome, wrapFetch } from '@tollgate/client'
import { encodePaymentHeader, type PaymentPayload, TollgateError } from '@tollgate/core'
import { exactEvmClient } from '@tollgate/evm'
import { type DevManifest, rpcClient } from 'tollgate'
import type { PrivateKeyAccount } from 'viem/accounts'
import type { Restartable } from './faultRunParts.ts'
import { type FaultRunSchedule, seededRandom, type Wave } from './faultRunSchedule.ts'
import type { RpcProxy } from './rpcProxy.ts'

/** One answer a buyer got for a payment. */
export interface Answer {
  status: number
  body: string
  receipt: string | null
  /**
   * `client`: the fetch client's own flow; `replay`: the payment presented again after its 200;
   * `late`: presented again once faults stopped, by a buyer that had given up.
   */
  via: 'client' | 'replay' | 'late'
  /** How a buyer reads it: settled, failed (with the reason), or unknown (try again). */
  judged: string
}

export interface PaymentRecordOfRun {
  /** The `p` query parameter: seed, wave and index. */
  p: string
  payment?: PaymentPayload
  answers: Answer[]
  outcome?: PaymentOutcome
  /** The client gave up with an error instead of a response. */
  error?: string
}

export interface DuplicateSettle {
  p: string
  status: number | null
  body: Record<string, unknown> | null
}

export interface RunLog {
  payments: PaymentRecordOfRun[]
  duplicates: DuplicateSettle[]
  kills: { facilitator: number; server: number }
  reorgs: { count: number; blocks: number }
  /** Milliseconds each wave took, and each restart after a kill. */
  wavesMs: number[]
  restartsMs: number[]
}

export interface RunParts {
  manifest: DevManifest
  payers: PrivateKeyAccount[]
  facilitator: Restartable
  server: Restartable
  proxy: RpcProxy
  /** Reorganisations never reach below this block (the payers' funding). */
  floorBlock: bigint
}

const answerTimeoutMs = 10_000

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** fetch with a limit, so a buyer whose answer hangs treats it as lost and retries. */
const timedFetch: typeof fetch = (input, init) =>
  fetch(input, { ...init, signal: AbortSignal.timeout(answerTimeoutMs) })

async function answerOf(response: Response, via: Answer['via']): Promise<Answer> {
  return {
    status: response.status,
    body: await response.text(),
    receipt: response.headers.get('PAYMENT-RESPONSE'),
    via,
    judged: judgedAs(judgeResponse(response.status, (name) => response.headers.get(name))),
  }
}

async function pay(parts: RunParts, record: PaymentRecordOfRun, payer: PrivateKeyAccount) {
  const { manifest } = parts
  const paying = wrapFetch(timedFetch, {
    schemes: [exactEvmClient({ signer: payer, assets: { [manifest.network]: manifest.asset } })],
    retry: { attempts: 8, delayMs: 400, maxDelayMs: 3_000 },
    onPayment: (payment) => {
      record.payment = payment
    },
    onOutcome: (outcome) => {
      record.outcome = outcome
    },
  })
  try {
    const response = await paying(`${parts.server.url}/report?p=${record.p}`)
    record.answers.push(await answerOf(response, 'client'))
  } catch (error) {
    record.error = error instanceof TollgateError ? error.reason : String(error)
  }
}

/** The same signed payment presented again, as a buyer does to fetch what it paid for. */
async function present(parts: RunParts, record: PaymentRecordOfRun, via: Answer['via']) {
  if (!record.payment) return undefined
  const header = encodePaymentHeader(record.payment)
  try {
    const response = await timedFetch(`${parts.server.url}/report?p=${record.p}`, {
      headers: { [header.name]: header.value },
    })
    const answer = await answerOf(response, via)
    record.answers.push(answer)
    return answer
  } catch {
    // A lost answer to a presentation says nothing about the payment; only answers are checked.
    return undefined
  }
}

/**
 * Faults off: each buyer that signed and got no 200 comes back with the same payment, a few
 * times while the answer stays unknown (5xx, in progress, pending), as an agent resuming work.
 */
export async function lateRetries(parts: RunParts, log: RunLog): Promise<void> {
  const unserved = log.payments.filter(
    (record) => record.payment && !record.answers.some((answer) => answer.status === 200),
  )
  await Promise.all(
    unserved.map(async (record) => {
      for (let attempt = 1; attempt <= 8; attempt++) {
        const answer = await present(parts, record, 'late')
        if (answer && !answer.judged.startsWith('unknown')) return
        await sleep(1_500)
      }
    }),
  )
}

function judgedAs(judgement: Judgement): string {
  return judgement.kind === 'settled' ? 'settled' : `${judgement.kind}:${judgement.reason}`
}

async function settleAgain(parts: RunParts, record: PaymentRecordOfRun): Promise<DuplicateSettle> {
  const payment = record.payment!
  try {
    const response = await fetch(`${parts.facilitator.url}/settle`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        x402Version: 2,
        paymentPayload: payment,
        paymentRequirements: payment.accepted,
      }),
      signal: AbortSignal.timeout(answerTimeoutMs),
    })
    const body = (await response.json().catch(() => null)) as Record<string, unknown> | null
    return { p: record.p, status: response.status, body }
  } catch {
    return { p: record.p, status: null, body: null }
  }
}

async function runEvents(
  parts: RunParts,
  wave: Wave,
  log: RunLog,
  signed: () => PaymentRecordOfRun[],
  random: () => number,
) {
  const started = Date.now()
  const pending: Promise<unknown>[] = []
  for (const event of wave.events) {
    await sleep(Math.max(0, event.atMs - (Date.now() - started)))
    const killed = Date.now()
    if (event.kind === 'kill-facilitator') {
      log.kills.facilitator++
      await parts.facilitator.crash()
      log.restartsMs.push(Date.now() - killed)
    } else if (event.kind === 'kill-server') {
      log.kills.server++
      await parts.server.crash()
      log.restartsMs.push(Date.now() - killed)
    } else {
      const candidates = signed()
      const target = candidates[Math.floor(random() * candidates.length)]
      if (target)
        pending.push(settleAgain(parts, target).then((answer) => log.duplicates.push(answer)))
    }
  }
  await Promise.all(pending)
}

async function reorganise(parts: RunParts, depth: number, log: RunLog) {
  const client = rpcClient(parts.manifest.rpcUrl)
  const head = await client.getBlockNumber()
  const blocks = Math.min(depth, Number(head - parts.floorBlock))
  if (blocks <= 0) return
  await client.request({ method: 'anvil_reorg' as never, params: [blocks, []] as never })
  log.reorgs.count++
  log.reorgs.blocks += blocks
}

/** Plays every wave of `schedule`; faults are off when it returns. */
export async function playSchedule(parts: RunParts, schedule: FaultRunSchedule): Promise<RunLog> {
  const log: RunLog = {
    payments: [],
    duplicates: [],
    kills: { facilitator: 0, server: 0 },
    reorgs: { count: 0, blocks: 0 },
    wavesMs: [],
    restartsMs: [],
  }
  // A stream of its own, so choices made at run time do not shift the schedule's draws.
  const random = seededRandom(schedule.seed ^ 0x5eed)
  for (const [index, wave] of schedule.waves.entries()) {
    const waveStarted = Date.now()
    parts.proxy.setRules(wave.rules)
    const records: PaymentRecordOfRun[] = wave.startsMs.map((_, number) => ({
      p: `${schedule.seed}-${index}-${number}`,
      answers: [],
    }))
    log.payments.push(...records)
    const paying = records.map(async (record, number) => {
      await sleep(wave.startsMs[number]!)
      await pay(parts, record, parts.payers[number % parts.payers.length]!)
    })
    const signed = () => records.filter((record) => record.payment !== undefined)
    await Promise.all([...paying, runEvents(parts, wave, log, signed, random)])
    if (wave.reorgDepth > 0) await reorganise(parts, wave.reorgDepth, log)
    const paid = records.filter((record) => record.answers.some((answer) => answer.status === 200))
    await Promise.all(
      paid
        .filter(() => random() < wave.replayChance)
        .map((record) => present(parts, record, 'replay')),
    )
    parts.proxy.clearRules()
    log.wavesMs.push(Date.now() - waveStarted)
  }
  return log
}
