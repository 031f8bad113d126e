import { type Task, TaskState } from '@a2a-js/sdk'
import {
  type Client,
  ClientFactory,
  ClientFactoryOptions,
  JsonRpcTransportFactory,
  ServiceParameters,
  withA2AExtensions,
} from '@a2a-js/sdk/client'
import {
  x402MetadataKeys as keys,
  message,
  textOf,
  textPart,
  x402ExtensionUri,
  x402ExtensionUris,
} from '@tollgate/a2a'
import type { PaymentPayload, PaymentRequired } from '@tollgate/core'
import { ExactEvmScheme as OfficialEvmClient } from '@x402/evm/exact/client'
import { describe, expect, it } from 'vitest'
import { merchantAgentForFile } from './support/a2aMerchant.ts'
import { payerAccount } from './support/stack.ts'

const worked: string[] = []
const world = merchantAgentForFile(async (task) => {
  worked.push(task.text)
  if (task.text.includes('impossible')) throw new Error('no answer exists')
  return {
    text: 'Here is your report.',
    artifacts: [{ name: 'report', text: `Report: ${task.text}` }],
  }
})

async function officialPayment(required: PaymentRequired): Promise<PaymentPayload> {
  const accepted = required.accepts[0]!
  const signed = await new OfficialEvmClient(
    payerAccount(world.stack().manifest),
  ).createPaymentPayload(2, {
    ...accepted,
    network: accepted.network as `${string}:${string}`,
    extra: accepted.extra ?? {},
  })
  return { x402Version: 2, resource: required.resource, accepted, payload: signed.payload }
}

async function sdkClient(version: '1.0' | '0.3'): Promise<Client> {
  const factory = new ClientFactory(
    ClientFactoryOptions.createFrom(ClientFactoryOptions.default, {
      transports: [new JsonRpcTransportFactory({ legacyCompat: { enabled: true } })],
    }),
  )
  const card = await (await fetch(`${world.merchant().url}.well-known/agent-card.json`)).json()
  const chosen = await factory.createFromUrl(world.merchant().url)
  // The card lists a v1.0 and a v0.3 interface: keep only the one under test.
  const agentCard = await chosen.getAgentCard()
  expect(card.capabilities.extensions[0].uri).toBe(x402ExtensionUri)
  return factory.createFromAgentCard({
    ...agentCard,
    supportedInterfaces: agentCard.supportedInterfaces.filter((item) =>
      item.protocolVersion.startsWith(version),
    ),
  })
}

const withExtension = {
  serviceParameters: ServiceParameters.create(withA2AExtensions(x402ExtensionUri)),
}

async function send(client: Client, said: ReturnType<typeof message>): Promise<Task> {
  const answer = await client.sendMessage(
    { tenant: '', message: said, configuration: undefined, metadata: undefined },
    withExtension,
  )
  if (!('status' in answer)) throw new Error('expected a task')
  return answer
}

describe.each(['1.0', '0.3'] as const)('the @a2a-js/sdk client in A2A v%s', (version) => {
  it('is asked for payment, pays, and gets the work with the receipt; one transfer', async () => {
    const client = await sdkClient(version)
    expect(client.protocolVersion.startsWith(version)).toBe(true)
    const before = await world.debits()
    const asked = await send(client, message('user', [textPart(`What is x402? (${version})`)]))
    expect(asked.status?.state).toBe(TaskState.TASK_STATE_INPUT_REQUIRED)
    const said = asked.status?.message?.metadata ?? {}
    expect(said[keys.status]).toBe('payment-required')
    const required = said[keys.required] as PaymentRequired
    expect(required).toMatchObject({ x402Version: 2, resource: { url: world.merchant().url } })
    expect(required.accepts[0]).toMatchObject({ scheme: 'exact', amount: '1000' })
    expect(worked).not.toContain(`What is x402? (${version})`)

    const payment = await officialPayment(required)
    const done = await send(
      client,
      message(
        'user',
        [textPart('paying')],
        { taskId: asked.id, contextId: asked.contextId },
        {
          [keys.status]: 'payment-submitted',
          [keys.payload]: payment,
        },
      ),
    )
    expect(done.status?.state).toBe(TaskState.TASK_STATE_COMPLETED)
    const final = done.status?.message?.metadata ?? {}
    expect(final[keys.status]).toBe('payment-completed')
    expect(final[keys.receipts]).toEqual([
      expect.objectContaining({
        success: true,
        network: world.stack().manifest.network,
        transaction: expect.stringMatching(/^0x[0-9a-f]{64}$/),
      }),
    ])
    expect(textOf(done.artifacts[0])).toBe(`Report: What is x402? (${version})`)
    expect(worked).toContain(`What is x402? (${version})`)
    expect(await world.debits()).toBe(before + 1)
  })
})

/** JSON-RPC as the a2a-x402 spec's examples write it: A2A v0.3, `message/send`, `kind`. */
async function rpc(method: string, params: unknown, extension = x402ExtensionUris[1]!) {
  const response = await fetch(world.merchant().url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'X-A2A-Extensions': extension },
    body: JSON.stringify({ jsonrpc: '2.0', id: crypto.randomUUID(), method, params }),
  })
  expect(response.status).toBe(200)
  // biome-ignore lint/suspicious/noExplicitAny: raw JSON-RPC answers, read as the spec writes them
  const body = (await response.json()) as { result?: any; error?: unknown }
  if (body.error) throw new Error(`${method} failed: ${JSON.stringify(body.error)}`)
  return { body, activated: response.headers.get('x-a2a-extensions') }
}

/** `message/send` of a new task with one text part, as the spec's examples write it. */
function askSpec(text: string) {
  return rpc('message/send', {
    message: {
      kind: 'message',
      messageId: crypto.randomUUID(),
      role: 'user',
      parts: [{ kind: 'text', text }],
    },
  })
}

/** `message/send` of a payment on the task that asked for it. */
function paySpec(
  task: { id: string; contextId: string },
  payload: unknown,
  text = 'here is the payment',
) {
  return rpc('message/send', {
    message: {
      kind: 'message',
      messageId: crypto.randomUUID(),
      role: 'user',
      taskId: task.id,
      contextId: task.contextId,
      parts: [{ kind: 'text', text }],
      metadata: { [keys.status]: 'payment-submitted', [keys.payload]: payload },
    },
  })
}

describe('a client written to the spec, not to the SDK', () => {
  it('reads the v0.3 card and gets the same states and metadata', async () => {
    const card = await (await fetch(`${world.merchant().url}.well-known/agent-card.json`)).json()
    expect(card).toMatchObject({ url: world.merchant().url, protocolVersion: '0.3.0' })
    expect(card.capabilities.extensions).toContainEqual(
      expect.objectContaining({ uri: x402ExtensionUri, required: true }),
    )
    const before = await world.debits()
    const first = await askSpec('Summarise A2A')
    const task = first.body.result
    // Activated under the v0.2 spelling the client used, and echoed back in it.
    expect(first.activated).toBe(x402ExtensionUris[1])
    expect(task).toMatchObject({ kind: 'task', status: { state: 'input-required' } })
    expect(task.status.message.metadata[keys.status]).toBe('payment-required')
    const payment = await officialPayment(task.status.message.metadata[keys.required])
    const second = await paySpec(task, payment, 'here is the payment')
    const done = second.body.result
    expect(done).toMatchObject({ kind: 'task', id: task.id, status: { state: 'completed' } })
    expect(done.status.message.metadata[keys.status]).toBe('payment-completed')
    expect(done.status.message.metadata[keys.receipts][0]).toMatchObject({ success: true })
    expect(done.artifacts[0].parts[0]).toEqual({ kind: 'text', text: 'Report: Summarise A2A' })
    expect(await world.debits()).toBe(before + 1)

    // The same payment again buys nothing more: the stored result, no second transfer.
    const again = await rpc('tasks/get', { id: task.id })
    expect(again.body.result.status.state).toBe('completed')
    expect(await world.debits()).toBe(before + 1)
  })

  it('fails the task without charging when the work fails', async () => {
    const before = await world.debits()
    const first = await askSpec('an impossible question')
    const task = first.body.result
    const payment = await officialPayment(task.status.message.metadata[keys.required])
    const second = await paySpec(task, payment, 'paid')
    const failed = second.body.result
    expect(failed.status.state).toBe('failed')
    expect(failed.status.message.metadata).toMatchObject({
      [keys.status]: 'payment-failed',
      [keys.receipts]: [
        { success: false, errorReason: 'a2a_work_failed_not_charged', transaction: '' },
      ],
    })
    expect(failed.artifacts ?? []).toEqual([])
    expect(await world.debits()).toBe(before)
  })

  it('fails a forged payment with the extension code and charges nothing', async () => {
    const before = await world.debits()
    const first = await askSpec('forged')
    const task = first.body.result
    const payment = await officialPayment(task.status.message.metadata[keys.required])
    const forged = {
      ...payment,
      payload: { ...payment.payload, signature: `0x${'11'.repeat(65)}` },
    }
    const second = await paySpec(task, forged)
    const failed = second.body.result
    expect(failed.status.state).toBe('failed')
    expect(failed.status.message.metadata[keys.status]).toBe('payment-failed')
    expect(failed.status.message.metadata[keys.error]).toBe('INVALID_SIGNATURE')
    expect(worked).not.toContain('forged')
    expect(await world.debits()).toBe(before)
  })

  it('answers payment-submitted without a payment as a request for payment, with the reason', async () => {
    const { body } = await rpc('message/send', {
      message: {
        kind: 'message',
        messageId: crypto.randomUUID(),
        role: 'user',
        parts: [{ kind: 'text', text: 'x' }],
        metadata: { [keys.status]: 'payment-submitted' },
      },
    })
    expect(body.result.status.state).toBe('input-required')
    expect(body.result.status.message.metadata[keys.required].error).toBe(
      'a2a_payment_payload_missing',
    )
  })
})
