import { Part, TaskState } from '@a2a-js/sdk'
import { AgentEvent, type ExecutionEventBus, type RequestContext } from '@a2a-js/sdk/server'
import {
  decodePaymentRequiredHeader,
  decodePaymentResponseHeader,
  type PaymentRequired,
  paymentHeaders,
  reasonOf,
  type SettleResponse,
} from '@tollgate/core'
import type { GateResponse, PaymentGate } from '@tollgate/server'
import { cartMandate } from './embeddedFlow.ts'
import { artifact, dataPart, type Metadata, message, status, textPart } from './messages.ts'
import { isTransientReason } from './paymentChecks.ts'
import {
  x402MetadataKeys as keys,
  type X402PaymentStatus,
  x402ErrorCodeOf,
} from './x402Extension.ts'

/** How payment is asked for (`PaidAgentOptions.flow`, `merchantName`). */
export interface AskOptions {
  flow?: 'standalone' | 'embedded' | undefined
  merchantName?: string | undefined
}

/** The body the gate stores for a served task, replayed to a retry of the same payment. */
export interface StoredWork {
  text: string
  artifacts: { name: string; parts: Part[] }[]
}

/** A stored work as JSON: parts through the SDK's codec, so bytes survive the store. */
export function storedWorkJson(work: StoredWork): string {
  return JSON.stringify({
    text: work.text,
    artifacts: work.artifacts.map((item) => ({
      name: item.name,
      parts: item.parts.map((part) => Part.toJSON(part)),
    })),
  })
}

/** Publishes a task's events in the extension's terms. */
export class TaskEvents {
  readonly #context: RequestContext
  readonly #bus: ExecutionEventBus
  readonly #options: AskOptions

  constructor(context: RequestContext, bus: ExecutionEventBus, options: AskOptions) {
    this.#context = context
    this.#bus = bus
    this.#options = options
    // A stream opens with the task, new or continued, before any update of it.
    bus.publish(
      AgentEvent.task(
        context.task ?? {
          id: context.taskId,
          contextId: context.contextId,
          status: status(TaskState.TASK_STATE_SUBMITTED),
          artifacts: [],
          history: [context.userMessage],
          metadata: undefined,
        },
      ),
    )
  }

  askForPayment(required: PaymentRequired): void {
    const price = required.accepts[0]
    const text = required.error
      ? `Payment required (${required.error}).`
      : `Payment required: ${price?.amount ?? '?'} of ${price?.asset ?? '?'} on ${price?.network ?? '?'}.`
    if (this.#options.flow === 'embedded') {
      const cart = cartMandate(required, {
        id: this.#context.taskId,
        merchantName: this.#options.merchantName ?? 'merchant',
      })
      this.#publishArtifact('cart', [dataPart(cart)])
      this.#update(TaskState.TASK_STATE_INPUT_REQUIRED, 'payment-required', text)
      return
    }
    this.#update(TaskState.TASK_STATE_INPUT_REQUIRED, 'payment-required', text, {
      [keys.required]: required,
    })
  }

  #publishArtifact(name: string, parts: Part[]): void {
    this.#bus.publish(
      AgentEvent.artifactUpdate({
        taskId: this.#context.taskId,
        contextId: this.#context.contextId,
        artifact: artifact(name, parts),
        append: false,
        lastChunk: true,
        metadata: undefined,
      }),
    )
  }

  verified(): void {
    this.#update(TaskState.TASK_STATE_WORKING, 'payment-verified', 'Payment verified; working.')
  }

  complete(work: StoredWork, receipt: SettleResponse | undefined): void {
    for (const item of work.artifacts) this.#publishArtifact(item.name, item.parts)
    this.end(TaskState.TASK_STATE_COMPLETED, 'payment-completed', work.text, {
      [keys.receipts]: receipt ? [receipt] : [],
    })
  }

  /** A payment that was not taken: the task fails with the reason, and nothing is released. */
  paymentFailed(reason: string, text: string, network: string, receipt?: SettleResponse): void {
    const failed = receipt ?? { success: false, errorReason: reason, transaction: '', network }
    this.end(TaskState.TASK_STATE_FAILED, 'payment-failed', text, {
      [keys.error]: x402ErrorCodeOf(reason),
      [keys.receipts]: [failed],
    })
  }

  /**
   * The gate's refusal. One that may pass on a retry of the same payment (the facilitator
   * unreachable, the payment still being served) asks again with the reason, so the task stays
   * open; any other fails the task.
   */
  refused(
    response: GateResponse,
    network: string,
    gate: PaymentGate,
    request: { method: string; path: string; url: string },
  ): void {
    const receipt = receiptOf(response.headers)
    const reason = reasonOfRefusal(response, receipt)
    if (isTransientReason(reason)) {
      const offered = gate.paymentRequired(request)
      if (offered) {
        this.askForPayment({ ...offered, error: reason })
        return
      }
    }
    this.paymentFailed(reason, `The payment was not taken: ${reason}.`, network, receipt)
  }

  end(state: TaskState, said: X402PaymentStatus, text: string, metadata: Metadata = {}): void {
    this.#update(state, said, text, metadata)
  }

  #update(state: TaskState, said: X402PaymentStatus, text: string, metadata: Metadata = {}): void {
    const ids = { taskId: this.#context.taskId, contextId: this.#context.contextId }
    const note = message('agent', text ? [textPart(text)] : [], ids, {
      [keys.status]: said,
      ...metadata,
    })
    this.#bus.publish(
      AgentEvent.statusUpdate({ ...ids, status: status(state, note), metadata: undefined }),
    )
  }
}

function headerOf(headers: Record<string, string>, name: string): string | undefined {
  const wanted = name.toLowerCase()
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === wanted) return value
  return undefined
}

export function receiptOf(headers: Record<string, string>): SettleResponse | undefined {
  const value = headerOf(headers, paymentHeaders.response)
  if (value === undefined) return undefined
  try {
    return decodePaymentResponseHeader(value)
  } catch {
    return undefined
  }
}

function reasonOfRefusal(response: GateResponse, receipt: SettleResponse | undefined): string {
  if (receipt?.errorReason) return receipt.errorReason
  const header = headerOf(response.headers, paymentHeaders.required)
  if (header) {
    try {
      const error = decodePaymentRequiredHeader(header).error
      if (error) return error
    } catch {
      // fall through to the body
    }
  }
  const body = parseObject(response.body)
  return typeof body.error === 'string' ? body.error : reasonOf('SETTLE_UNEXPECTED')
}

export function storedWorkOf(body: string | Uint8Array): StoredWork {
  const parsed = parseObject(body)
  return {
    text: typeof parsed.text === 'string' ? parsed.text : '',
    artifacts: Array.isArray(parsed.artifacts)
      ? (parsed.artifacts as { name?: unknown; parts?: unknown }[]).map((item) => ({
          name: typeof item.name === 'string' ? item.name : '',
          parts: Array.isArray(item.parts)
            ? item.parts.map((part) => Part.fromJSON(part as Parameters<typeof Part.fromJSON>[0]))
            : [],
        }))
      : [],
  }
}

function parseObject(body: string | Uint8Array): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(
      typeof body === 'string' ? body : new TextDecoder().decode(body),
    )
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {}
  } catch {
    return {}
  }
}
