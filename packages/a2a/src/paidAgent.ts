import { type Message, type Part, TaskState } from '@a2a-js/sdk'
import { AgentEvent, type AgentExecutor, type RequestContext } from '@a2a-js/sdk/server'
import {
  encodeJsonHeader,
  type FacilitatorClient,
  type PaymentRequired,
  type Price,
  paymentHeaders,
  type ResponseStore,
  reasonOf,
  type SchemeServer,
} from '@tollgate/core'
import {
  FolderResponseStore,
  failedHandler,
  PaymentGate,
  type PaymentOption,
  type RouteDiscovery,
  type VerifiedPayment,
} from '@tollgate/server'
import { embeddedPayment } from './embeddedFlow.ts'
import { type Metadata, status, textOf, textPart } from './messages.ts'
import type { TaskPaymentCheck } from './paymentChecks.ts'
import {
  receiptOf,
  type StoredWork,
  storedWorkJson,
  storedWorkOf,
  TaskEvents,
} from './taskEvents.ts'
import { x402MetadataKeys as keys, x402ExtensionUri } from './x402Extension.ts'

/** What a task costs: one price, or explicit payment options. */
export type TaskPricing =
  | { price: Price; network: string; payTo: string; maxTimeoutSeconds?: number }
  | { accepts: PaymentOption[] }

/** The paid task handed to the work: the buyer's request and the verified payment. */
export interface PaidTask {
  taskId: string
  contextId: string
  /** The message that asked for the work (the task's first user message). */
  request: Message
  /** Its text parts. */
  text: string
  payment: VerifiedPayment
}

/** What the work produced. Artifacts are released only once the payment settled. */
export interface TaskWork {
  /** Said in the final status message. */
  text?: string
  artifacts?: { name: string; parts?: Part[]; text?: string }[]
  /**
   * For a usage-based payment (`upto`): what to charge, atomic units, `"<n>%"` or `"$<usd>"`, at
   * most the authorized maximum. @default the maximum
   */
  charge?: string
}

export interface PaidAgentOptions {
  /** A facilitator client, or the URL of one. */
  facilitator: FacilitatorClient | { url: string }
  /** Scheme servers that turn prices into requirements, e.g. `exactEvmServer()`. */
  schemes: readonly SchemeServer[]
  pricing: TaskPricing
  /** The agent's A2A endpoint, the payments' resource. */
  agentUrl: string
  /** What is bought, said in the payment request. */
  description?: string
  /** The work a paid task does; it runs only for a verified payment. A throw charges nothing. */
  work(task: PaidTask): Promise<TaskWork>
  /**
   * Checks the payment must pass before it goes to the facilitator (an AP2 mandate binding,
   * `mandateCheck`). A refusal fails the task with the check's reason; nothing is charged.
   */
  checks?: readonly TaskPaymentCheck[]
  /**
   * What was done with each payment, and the results released. Durable, and shared with the
   * HTTP routes and MCP tools that sell to the same buyers, so a task retried after a restart is
   * charged once. @default a `FolderResponseStore` in `<os.tmpdir()>/tollgate-responses`
   */
  store?: ResponseStore | undefined
  /** @default 4000 (`PaymentGateOptions.leaseMs`) */
  leaseMs?: number | undefined
  /** The gate's route name for this agent's tasks, unique among those sharing a store. @default 'task' */
  name?: string
  /**
   * How payment is asked for: `x402.payment.required` in the status (`standalone`), or an AP2
   * cart offering x402 in the task's artifacts (`embedded`, a2a-x402's embedded flow). Payments
   * are accepted in either form whichever is chosen. @default 'standalone'
   */
  flow?: 'standalone' | 'embedded'
  /** The merchant's name in an embedded flow's cart. @default 'merchant' */
  merchantName?: string
  /**
   * How the agent is listed in discovery catalogues (the `bazaar` extension of its payment
   * request): as the JSON-RPC call that sends it a task, which any x402 catalogue reads.
   * `false` keeps it out. @default a `message/send` with an example text
   */
  discovery?: { example?: string; output?: unknown } | false
}

/**
 * An `AgentExecutor` (`@a2a-js/sdk/server`) that charges for tasks per the x402 extension for
 * A2A: an unpaid task goes to `input-required` with `payment-required`; a submitted payment is
 * verified through the facilitator, the work runs, the payment settles only when the work
 * succeeded, and the task completes with `x402.payment.receipts`. Give the request handler a
 * durable task store so a restart keeps the task, and this a durable response store so it keeps
 * the payment.
 */
export function paidAgentExecutor(options: PaidAgentOptions): AgentExecutor {
  const path = `/a2a/${encodeURIComponent(options.name ?? 'task')}`
  const accepts =
    'accepts' in options.pricing
      ? options.pricing.accepts
      : [{ ...options.pricing, payTo: options.pricing.payTo }]
  const gate = new PaymentGate({
    routes: {
      [`POST ${path}`]: {
        accepts,
        ...(options.description ? { description: options.description } : {}),
        mimeType: 'application/json',
        ...(options.discovery === false
          ? {}
          : { discovery: taskDiscovery(options.discovery ?? {}) }),
      },
    },
    facilitator: options.facilitator,
    schemes: options.schemes,
    store: options.store ?? new FolderResponseStore(),
    leaseMs: options.leaseMs,
    paywall: false,
  })
  const request = { method: 'POST', path, url: options.agentUrl }
  const network = accepts[0]?.network ?? ''
  return {
    async execute(context, bus) {
      const task = new TaskEvents(context, bus, options)
      context.context.addActivatedExtension(x402ExtensionUri)
      try {
        await serveTask(context, task, gate, request, network, options)
      } finally {
        bus.finished()
      }
    },
    async cancelTask(taskId, bus) {
      bus.publish(
        AgentEvent.statusUpdate({
          taskId,
          contextId: '',
          status: status(TaskState.TASK_STATE_CANCELED),
          metadata: undefined,
        }),
      )
      bus.finished()
    },
  }
}

async function serveTask(
  context: RequestContext,
  task: TaskEvents,
  gate: PaymentGate,
  request: { method: string; path: string; url: string },
  network: string,
  options: PaidAgentOptions,
): Promise<void> {
  const said = context.userMessage.metadata as Metadata | undefined
  const paymentStatus = said?.[keys.status]
  if (paymentStatus === 'payment-rejected') {
    task.end(TaskState.TASK_STATE_FAILED, 'payment-rejected', 'The payment was declined.', {
      [keys.receipts]: [],
    })
    return
  }
  const payload = said?.[keys.payload] ?? embeddedPayment(context.userMessage)
  if (paymentStatus !== 'payment-submitted' || payload === undefined) {
    const offered = await offer(gate, request)
    const error =
      offered.error ??
      (paymentStatus === 'payment-submitted' ? reasonOf('A2A_PAYMENT_MISSING') : undefined)
    task.askForPayment(error ? { ...offered, error } : offered)
    return
  }
  for (const check of options.checks ?? []) {
    const refusal = await check(payload, context.userMessage)
    if (refusal) {
      task.paymentFailed(refusal.reason, refusal.message, network)
      return
    }
  }
  const header = encodeJsonHeader(payload)
  const decision = await gate.begin({
    ...request,
    header: (name) => (name === paymentHeaders.signature ? header : undefined),
  })
  if (decision.kind === 'pass') throw new Error('a paid agent always has a route')
  if (decision.kind === 'respond') {
    if (decision.response.status < 300) {
      // This payment already bought this work: the stored result, with its receipt.
      task.complete(storedWorkOf(decision.response.body), receiptOf(decision.response.headers))
      return
    }
    task.refused(decision.response, network, gate, request)
    return
  }
  task.verified()
  const first = context.task?.history.find((item) => item.role === context.userMessage.role)
  const asked = first ?? context.userMessage
  let work: TaskWork
  try {
    work = await options.work({
      taskId: context.taskId,
      contextId: context.contextId,
      request: asked,
      text: textOf(asked),
      payment: decision.payment,
    })
  } catch (error) {
    await decision.finish(failedHandler())
    task.paymentFailed(
      reasonOf('A2A_WORK_FAILED'),
      `The work failed: ${(error as Error).message}`,
      network,
    )
    return
  }
  const stored: StoredWork = {
    text: work.text ?? '',
    artifacts: (work.artifacts ?? []).map((item) => ({
      name: item.name,
      parts: item.parts ?? [textPart(item.text ?? '')],
    })),
  }
  const finished = await decision.finish({
    status: 200,
    headers: {
      'content-type': 'application/json',
      ...(work.charge === undefined
        ? {}
        : { 'settlement-overrides': JSON.stringify({ amount: work.charge }) }),
    },
    body: new TextEncoder().encode(storedWorkJson(stored)),
  })
  if (finished.kind === 'respond') {
    task.refused(finished.response, network, gate, request)
    return
  }
  task.complete(stored, receiptOf(finished.headers))
}

/**
 * A task as a catalogue sees it: the A2A v0.3 JSON-RPC request that sends one (`message/send`
 * with a text part), and the task that comes back.
 */
function taskDiscovery(discovery: { example?: string; output?: unknown }): RouteDiscovery {
  return {
    bodyType: 'json',
    input: {
      jsonrpc: '2.0',
      id: 1,
      method: 'message/send',
      params: {
        message: {
          kind: 'message',
          messageId: 'example',
          role: 'user',
          parts: [{ kind: 'text', text: discovery.example ?? 'What can you do?' }],
        },
      },
    },
    inputSchema: {
      properties: {
        jsonrpc: { const: '2.0' },
        method: { type: 'string', enum: ['message/send', 'SendMessage'] },
        params: {
          type: 'object',
          description: 'An A2A message; the card is at /.well-known/agent-card.json',
        },
      },
      required: ['jsonrpc', 'method', 'params'],
    },
    ...(discovery.output === undefined ? {} : { output: { example: discovery.output } }),
  }
}

/**
 * What a task asks for. The facilitator's capabilities are loaded first, since some schemes'
 * requirements carry what only it knows (the upto facilitator, the channel's authorizer); when
 * it cannot be reached the request says so, as a reason the buyer may retry on.
 */
async function offer(
  gate: PaymentGate,
  request: { method: string; path: string; url: string },
): Promise<PaymentRequired> {
  const unreachable = await gate.initialize().then(
    () => undefined,
    () => reasonOf('FACILITATOR_UNAVAILABLE'),
  )
  const offered = gate.paymentRequired(request)
  if (!offered) throw new Error('a paid agent always has a route')
  // The HTTP 402's generic "Payment required" is no reason: only a real one is kept.
  const { error: _generic, ...required } = offered
  return unreachable ? { ...required, error: unreachable } : required
}
