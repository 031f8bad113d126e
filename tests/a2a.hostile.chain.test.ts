import { TaskState } from '@a2a-js/sdk'
import { ServiceParameters, withA2AExtensions } from '@a2a-js/sdk/client'
import {
  connectAgent,
  x402MetadataKeys as keys,
  message,
  textPart,
  x402ExtensionUri,
} from '@tollgate/a2a'
import type { PaymentRequired } from '@tollgate/core'
import { exactEvmClient } from '@tollgate/evm'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { merchantAgentForFile } from './support/a2aMerchant.ts'
import { payerAccount } from './support/stack.ts'

const worked: string[] = []
const world = merchantAgentForFile(async (task) => {
  worked.push(task.text)
  return { text: 'Done.', artifacts: [{ name: 'answer', text: `Answer: ${task.text}` }] }
})

async function post(body: string, headers: Record<string, string> = {}) {
  const response = await fetch(world.merchant().url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'X-A2A-Extensions': x402ExtensionUri,
      ...headers,
    },
    body,
  })
  return {
    status: response.status,
    json: (await response.json()) as {
      result?: { status?: { state?: string; message?: { metadata?: Record<string, unknown> } } }
      error?: { code: number }
    },
  }
}

const send = (said: unknown) =>
  post(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'message/send', params: { message: said } }))

describe('hostile input to a merchant agent', () => {
  it('answers any JSON in place of the payment with a reason, and does no work', async () => {
    const before = await world.debits()
    const ask = (text: string) =>
      send({
        kind: 'message',
        messageId: crypto.randomUUID(),
        role: 'user',
        parts: [{ kind: 'text', text }],
      })
    await fc.assert(
      fc.asyncProperty(fc.jsonValue({ maxDepth: 3 }), async (payload) => {
        // A task of its own for each payload, so every one reaches the payment check.
        const task = (await ask('fuzzed')).json.result as { id: string; contextId: string }
        const { status, json } = await send({
          kind: 'message',
          messageId: crypto.randomUUID(),
          role: 'user',
          taskId: task.id,
          contextId: task.contextId,
          parts: [{ kind: 'text', text: 'pay' }],
          metadata: { [keys.status]: 'payment-submitted', [keys.payload]: payload },
        })
        expect(status).toBe(200)
        expect(json.error).toBeUndefined()
        const state = json.result?.status?.state
        expect(['failed', 'input-required']).toContain(state)
        const said = json.result?.status?.message?.metadata ?? {}
        if (state === 'failed') expect(said[keys.status]).toBe('payment-failed')
        else expect((said[keys.required] as PaymentRequired).error).toMatch(/^[a-z0-9_]+$/)
      }),
      { numRuns: 60 },
    )
    expect(worked).not.toContain('fuzzed')
    expect(await world.debits()).toBe(before)
  })

  it('gives broken JSON-RPC the protocol’s error codes over HTTP 200', async () => {
    expect(await post('{not json')).toMatchObject({
      status: 200,
      json: { error: { code: -32700 } },
    })
    expect(
      (await post(JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'no/such/method', params: {} })))
        .json.error?.code,
    ).toBe(-32601)
    expect(
      (
        await post(
          JSON.stringify({
            jsonrpc: '2.0',
            id: 3,
            method: 'message/send',
            params: { message: 42 },
          }),
        )
      ).json.error?.code,
    ).toBe(-32602)
    expect((await post(JSON.stringify([1, 2, 3]))).json.error?.code).toBe(-32600)
    const noExtension = await fetch(world.merchant().url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 4,
        method: 'message/send',
        params: {
          message: {
            kind: 'message',
            messageId: 'x',
            role: 'user',
            parts: [{ kind: 'text', text: 'hi' }],
          },
        },
      }),
    })
    // The extension is required: a client that does not activate it is told so (A2A -32008).
    expect((await noExtension.json()).error.code).toBe(-32008)
  })
})

describe('a paid task over SendStreamingMessage', () => {
  it('streams the verified payment, the artifact and the completed task with its receipt', async () => {
    const { manifest } = world.stack()
    const client = await connectAgent(world.merchant().url)
    const withExtension = {
      serviceParameters: ServiceParameters.create(withA2AExtensions(x402ExtensionUri)),
    }
    const asked = await client.sendMessage(
      {
        tenant: '',
        message: message('user', [textPart('Streamed question')]),
        configuration: undefined,
        metadata: undefined,
      },
      withExtension,
    )
    if (!('status' in asked)) throw new Error('expected a task')
    const required = asked.status?.message?.metadata?.[keys.required] as PaymentRequired
    const scheme = exactEvmClient({
      signer: payerAccount(manifest),
      assets: { [manifest.network]: manifest.asset },
    })
    const accepted = required.accepts[0]!
    const payment = {
      x402Version: 2,
      resource: required.resource,
      accepted,
      payload: await scheme.createPayload(accepted, { x402Version: 2 }),
    }
    const events: string[] = []
    let receipts: unknown
    for await (const event of client.sendMessageStream(
      {
        tenant: '',
        message: message(
          'user',
          [textPart('paying')],
          { taskId: asked.id, contextId: asked.contextId },
          { [keys.status]: 'payment-submitted', [keys.payload]: payment },
        ),
        configuration: undefined,
        metadata: undefined,
      },
      withExtension,
    )) {
      const payload = event.payload
      if (payload?.$case === 'statusUpdate') {
        const said = payload.value.status?.message?.metadata ?? {}
        events.push(`${TaskState[payload.value.status?.state ?? 0]}:${String(said[keys.status])}`)
        receipts ??= said[keys.receipts]
      } else if (payload?.$case === 'artifactUpdate') events.push('artifact')
      else if (payload?.$case === 'task')
        events.push(`task:${TaskState[payload.value.status?.state ?? 0]}`)
    }
    expect(events.filter((event) => !event.startsWith('task:'))).toEqual([
      'TASK_STATE_WORKING:payment-verified',
      'artifact',
      'TASK_STATE_COMPLETED:payment-completed',
    ])
    expect(receipts).toEqual([expect.objectContaining({ success: true })])
    expect(worked).toContain('Streamed question')
  })
})
