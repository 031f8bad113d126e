import { type Message, type Task, TaskState } from '@a2a-js/sdk'
import {
  type Client,
  ClientFactory,
  ClientFactoryOptions,
  JsonRpcTransportFactory,
  ServiceParameters,
  withA2AExtensions,
} from '@a2a-js/sdk/client'
import {
  attemptsAllowed,
  finish,
  type Judgement,
  nextDelayMs,
  outcomeOf,
  type PayerOptions,
  type PaymentOutcome,
  type PreparedPayment,
  preparePayment,
} from '@tollgate/client'
import {
  type PaymentRequired,
  parsePaymentRequired,
  parseSettleResponse,
  type SettleResponse,
} from '@tollgate/core'
import { embeddedPaymentMessage, embeddedPaymentRequest } from './embeddedFlow.ts'
import { message, statusMetadata, terminalStates, textOf, textPart } from './messages.ts'
import { isTransientReason } from './paymentChecks.ts'
import { x402MetadataKeys as keys, x402ExtensionUri } from './x402Extension.ts'

/** The payer's options; an AP2 mandate joins through `mandatePayer` (`spending` and `bind`). */
export type HireOptions = PayerOptions & { agentUrl?: string }

/** How hiring went: the final task, the agent's answer, and the payment if one was made. */
export interface Hired {
  task?: Task
  /** A direct answer, when the agent replied with a message instead of a task. */
  reply?: Message
  /** The final status message's text and the artifacts' text. */
  text: string
  outcome?: PaymentOutcome
  receipt?: SettleResponse
}

/** An SDK client for the agent at `url` (its base URL or card URL), in A2A v1.0 or v0.3. */
export async function connectAgent(url: string): Promise<Client> {
  const factory = new ClientFactory(
    ClientFactoryOptions.createFrom(ClientFactoryOptions.default, {
      transports: [new JsonRpcTransportFactory({ legacyCompat: { enabled: true } })],
      cardResolverOptions: { legacyCompat: { enabled: true } },
    } as Partial<ClientFactoryOptions>),
  )
  if (url.endsWith('.json'))
    return factory.createFromUrl(new URL(url).origin, new URL(url).pathname)
  // The card is at `<base>/.well-known/agent-card.json`, under the base's path when it has one.
  return factory.createFromUrl(url.endsWith('/') ? url : `${url}/`)
}

/**
 * Sends a task to a merchant agent and, when it asks for payment (the x402 extension's standalone
 * flow, or the embedded flow's AP2 cart), pays within the policy, spending store and wallet the
 * HTTP and MCP payers use, and sends the payment on the same task. A payment whose outcome is
 * unknown (no answer, the facilitator unreachable) is sent again, the same signed bytes: the
 * task is looked up first, so a task the merchant finished is not paid twice.
 */
export async function hireAgent(
  client: Client,
  request: string | Message,
  options: HireOptions,
): Promise<Hired> {
  const asked = typeof request === 'string' ? message('user', [textPart(request)]) : request
  const first = await client.sendMessage(sendParams(asked), callOptions())
  if (!('status' in first)) return { reply: first, text: textOf(first) }
  const ask = paymentAsk(first)
  if (!ask) return hiredWithout(first)
  const resource = ask.required.resource?.url ?? options.agentUrl ?? `a2a://task/${first.id}`
  const prepared: PreparedPayment = await preparePayment(ask.required, resource, options)
  const ids = { taskId: first.id, contextId: first.contextId }
  const paying =
    ask.flow === 'embedded'
      ? embeddedPaymentMessage(prepared.payment, ask.cart, ids)
      : message('user', [textPart('Payment submitted.')], ids, {
          [keys.status]: 'payment-submitted',
          [keys.payload]: prepared.payment,
        })
  const attempts = attemptsAllowed(options)
  for (let attempt = 1; ; attempt++) {
    let task: Task | undefined
    let lost: unknown
    try {
      const answer = await client.sendMessage(sendParams(paying), callOptions())
      task = 'status' in answer ? answer : undefined
    } catch (error) {
      lost = error
      // The merchant may have finished the task without the answer arriving.
      task = await client
        .getTask({ tenant: '', id: first.id }, callOptions())
        .catch(() => undefined)
    }
    const judgement = task ? judgeTask(task) : unknownJudgement(lost)
    if (judgement.kind !== 'unknown' || attempt >= attempts) {
      const outcome = outcomeOf(judgement, prepared.payment, attempt)
      await finish(prepared, outcome, options)
      if (!task) throw lost
      const receipt = lastReceipt(task)
      return { ...hiredWithout(task), outcome, ...(receipt ? { receipt } : {}) }
    }
    await new Promise((resolve) => setTimeout(resolve, nextDelayMs(attempt, options)))
  }
}

/** What a task's state says about the payment sent for it. */
export function judgeTask(task: Task): Judgement {
  const said = statusMetadata(task)
  const receipt = lastReceipt(task)
  const state = task.status?.state
  if (state === TaskState.TASK_STATE_COMPLETED) {
    if (receipt && !receipt.success)
      return { kind: 'failed', reason: receipt.errorReason ?? 'settlement failed', receipt }
    return { kind: 'settled', ...(receipt ? { receipt } : {}) }
  }
  if (state !== undefined && terminalStates.has(state)) {
    const reason =
      receipt?.errorReason ?? (said[keys.error] as string | undefined) ?? 'the task failed'
    return { kind: 'failed', reason, ...(receipt ? { receipt } : {}) }
  }
  const required = readRequired(said)
  const reason = required?.error ?? `the task is ${TaskState[state ?? 0] ?? 'unknown'}`
  if (
    state === TaskState.TASK_STATE_INPUT_REQUIRED &&
    required?.error &&
    !isTransientReason(required.error)
  )
    return { kind: 'failed', reason: required.error }
  return { kind: 'unknown', reason }
}

type PaymentAsk =
  | { flow: 'standalone'; required: PaymentRequired }
  | { flow: 'embedded'; required: PaymentRequired; cart: unknown }

/**
 * The payment a task asks for: `x402.payment.required` in its status (standalone), or, with the
 * status but no requirements, an AP2 cart in its artifacts that offers x402 (embedded).
 */
export function paymentAsk(task: Task): PaymentAsk | undefined {
  if (task.status?.state !== TaskState.TASK_STATE_INPUT_REQUIRED) return undefined
  const said = statusMetadata(task)
  if (said[keys.status] !== 'payment-required') return undefined
  const required = readRequired(said)
  if (required) return { flow: 'standalone', required }
  const embedded = embeddedPaymentRequest(task)
  return embedded ? { flow: 'embedded', ...embedded } : undefined
}

function readRequired(said: Record<string, unknown>): PaymentRequired | undefined {
  const value = said[keys.required]
  if (value === undefined) return undefined
  try {
    return parsePaymentRequired(value)
  } catch {
    return undefined
  }
}

function lastReceipt(task: Task): SettleResponse | undefined {
  const receipts = statusMetadata(task)[keys.receipts]
  if (!Array.isArray(receipts) || receipts.length === 0) return undefined
  try {
    return parseSettleResponse(receipts[receipts.length - 1])
  } catch {
    return undefined
  }
}

function hiredWithout(task: Task): Hired {
  const text = [textOf(task.status?.message), ...task.artifacts.map((item) => textOf(item))]
    .filter(Boolean)
    .join('\n')
  return { task, text }
}

function unknownJudgement(lost: unknown): Judgement {
  return { kind: 'unknown', reason: `no answer: ${(lost as Error)?.message ?? String(lost)}` }
}

function sendParams(said: Message) {
  return {
    tenant: '',
    message: { ...said, extensions: [x402ExtensionUri] },
    configuration: undefined,
    metadata: undefined,
  }
}

/** Activates the x402 extension on every call (`A2A-Extensions`, or `X-A2A-Extensions` in v0.3). */
function callOptions() {
  return { serviceParameters: ServiceParameters.create(withA2AExtensions(x402ExtensionUri)) }
}
