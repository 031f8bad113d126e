/**
 * The gateway on the dev stack, answering from its local extractive model: the 402 and the free
 * model list; a paid completion charged exactly its prompt and completion tokens (the payer's
 * on-chain balance moves by the reported charge, below what it authorized); a stream of valid
 * chunks ending in [DONE], charged the same way; the OpenAI request shape sent with plain fetch;
 * and refusals (a malformed body, an unknown model, a prompt over the cap) charged nothing.
 */
import { readReceipt } from '@tollgate/client'
import { type Listening, listen } from 'tollgate'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createGatewayApp, localModelId } from '../src/app.ts'
import { countPromptTokens, countTextTokens } from '../src/tokens.ts'
import { atomic, type PaidStack, postJson, startPaidStack } from './stack.ts'

let paid: PaidStack
let gateway: Listening
let broken: Listening
const completions = () => `${gateway.url}/v1/chat/completions`
/** $2 per million tokens: 2 micro-dollars (atomic units) a token; 16,384 tokens authorized. */
const authorized = 32_768n

beforeAll(async () => {
  paid = await startPaidStack()
  const { manifest } = paid.stack
  const options = {
    network: manifest.network,
    payTo: manifest.accounts.merchant.address,
    facilitatorUrl: manifest.facilitatorUrl,
    schemes: paid.schemes,
  }
  gateway = await listen(createGatewayApp(options), 0)
  // A model that throws stands for any bug in the handler.
  const throwing = {
    id: localModelId,
    answer: (): never => {
      throw new Error('the model broke')
    },
  }
  broken = await listen(
    createGatewayApp({ ...options, localModel: throwing, bodyBytesMax: 4096 }),
    0,
  )
})
afterAll(async () => {
  await gateway?.close()
  await broken?.close()
  await paid?.stack.stop()
})

interface ChatCompletion {
  id: string
  object: string
  created: number
  model: string
  choices: { index: number; message: { role: string; content: string }; finish_reason: string }[]
  usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number }
  x_tollgate: { tokens: number; charged_usd: string; authorized_usd: string; usage_source: string }
}

describe('the LLM gateway, local model', () => {
  it('asks for an upto payment of the cap, and lists its model for free', async () => {
    const unpaid = await postJson(fetch, completions(), {
      model: localModelId,
      messages: [{ role: 'user', content: 'What is x402?' }],
    })
    expect(unpaid.status).toBe(402)
    const offer = (await unpaid.json()) as {
      paymentRequired: { accepts: { scheme: string; amount: string }[] }
    }
    expect(offer.paymentRequired.accepts[0]).toMatchObject({
      scheme: 'upto',
      amount: authorized.toString(),
    })
    const models = await fetch(`${gateway.url}/v1/models`)
    expect(models.status).toBe(200)
    expect(await models.json()).toMatchObject({
      object: 'list',
      data: [{ id: localModelId, object: 'model' }],
    })
  })

  it('charges exactly the tokens used, and the balance moves by that much', async () => {
    const messages = [
      { role: 'system', content: 'Answer briefly.' },
      { role: 'user', content: 'How many decimals does USDC have?' },
    ]
    const before = await paid.balance()
    const response = await postJson(paid.pay, completions(), {
      model: localModelId,
      messages,
      max_tokens: 64,
    })
    expect(response.status).toBe(200)
    const body = (await response.json()) as ChatCompletion
    const content = body.choices[0]!.message.content
    expect(content).toContain('It has six decimals')
    // Counted independently here with the same tokenizer.
    expect(body.usage.prompt_tokens).toBe(countPromptTokens(messages))
    expect(body.usage.completion_tokens).toBe(countTextTokens(content))
    expect(body.usage.completion_tokens).toBeLessThanOrEqual(64)
    const tokens = body.usage.prompt_tokens + body.usage.completion_tokens
    expect(body.usage.total_tokens).toBe(tokens)
    expect(body.x_tollgate).toMatchObject({ tokens, usage_source: 'counted' })
    const charged = atomic(body.x_tollgate.charged_usd)
    expect(charged).toBe(BigInt(tokens) * 2n)
    expect(response.headers.get('x-tollgate-charged')).toBe(body.x_tollgate.charged_usd)
    expect(response.headers.get('settlement-overrides')).toBeNull()
    expect(readReceipt(response)).toMatchObject({ success: true, amount: charged.toString() })
    const spent = before - (await paid.balance())
    expect(spent).toBe(charged)
    expect(spent).toBeLessThan(authorized)
  })

  it('streams OpenAI chunks ending in [DONE], charged the tokens of the whole answer', async () => {
    const before = await paid.balance()
    const response = await postJson(paid.pay, completions(), {
      model: localModelId,
      messages: [{ role: 'user', content: 'Why does a streamed answer arrive after settlement?' }],
      max_tokens: 30,
      stream: true,
      stream_options: { include_usage: true },
    })
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/)
    const text = await response.text()
    const data = text
      .split('\n\n')
      .filter(Boolean)
      .map((event) => {
        expect(event).toMatch(/^data: /)
        return event.slice(6)
      })
    expect(data.at(-1)).toBe('[DONE]')
    const chunks = data.slice(0, -1).map((event) => JSON.parse(event))
    for (const chunk of chunks) expect(chunk.object).toBe('chat.completion.chunk')
    expect(new Set(chunks.map((chunk) => chunk.id)).size).toBe(1)
    const content = chunks
      .flatMap((chunk) => chunk.choices)
      .map((choice: { delta: { content?: string } }) => choice.delta.content ?? '')
      .join('')
    expect(countTextTokens(content)).toBeLessThanOrEqual(30)
    expect(content.length).toBeGreaterThan(0)
    const finish = chunks.at(-2)
    expect(finish.choices[0].finish_reason).toMatch(/^(stop|length)$/)
    const usage = chunks.at(-1).usage
    expect(usage.completion_tokens).toBe(countTextTokens(content))
    const charged = atomic(finish.x_tollgate.charged_usd)
    expect(charged).toBe(BigInt(usage.total_tokens) * 2n)
    expect(before - (await paid.balance())).toBe(charged)
  })

  it('takes the OpenAI request shape from plain fetch, no SDK', async () => {
    // The body of OpenAI's own chat completions example; the bearer token is ignored here.
    const response = await paid.pay(completions(), {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: 'Bearer unused' },
      body: JSON.stringify({
        model: localModelId,
        messages: [
          { role: 'developer', content: 'You are a helpful assistant.' },
          { role: 'user', content: 'Hello! What does a facilitator do?' },
        ],
      }),
    })
    expect(response.status).toBe(200)
    const body = (await response.json()) as ChatCompletion
    expect(body.id).toMatch(/^chatcmpl-/)
    expect(body.object).toBe('chat.completion')
    expect(Number.isInteger(body.created)).toBe(true)
    expect(body.model).toBe(localModelId)
    expect(body.choices[0]).toMatchObject({ index: 0, message: { role: 'assistant' } })
    expect(body.choices[0]!.message.content).toMatch(/facilitator/i)
    expect(body.choices[0]!.finish_reason).toBe('stop')
  })

  it.each([
    [
      'a body that is not JSON',
      '{"model": "tollgate-local-extractive", "messages": [',
      400,
      'invalid_json',
    ],
    [
      'a message without a role',
      { model: localModelId, messages: [{ content: 'hi' }] },
      400,
      'invalid_request',
    ],
    [
      'a model not served',
      { model: 'gpt-9', messages: [{ role: 'user', content: 'hi' }] },
      404,
      'model_not_found',
    ],
    [
      'a prompt over the token cap',
      { model: localModelId, messages: [{ role: 'user', content: 'token '.repeat(17_000) }] },
      400,
      'context_length_exceeded',
    ],
  ])('refuses %s with an OpenAI error, and charges nothing', async (_what, body, status, code) => {
    const before = await paid.balance()
    const response = await postJson(paid.pay, completions(), body)
    expect(response.status).toBe(status)
    const error = (await response.json()) as { error: Record<string, unknown> }
    expect(error.error).toMatchObject({ type: 'invalid_request_error', code })
    expect(typeof error.error.message).toBe('string')
    expect(readReceipt(response)).toBeUndefined()
    expect(await paid.balance()).toBe(before)
  })

  it('answers a handler that threw with a 4xx, never a 5xx, and charges nothing', async () => {
    const before = await paid.balance()
    const response = await postJson(paid.pay, `${broken.url}/v1/chat/completions`, {
      model: localModelId,
      messages: [{ role: 'user', content: 'What is x402?' }],
    })
    expect(response.status).toBe(422)
    const body = (await response.json()) as { error: Record<string, unknown> }
    expect(body.error).toMatchObject({ code: 'completion_failed', type: 'server_error' })
    expect(JSON.stringify(body)).not.toContain('the model broke')
    expect(readReceipt(response)).toBeUndefined()
    expect(await paid.balance()).toBe(before)
  })

  it('refuses a body over its limit with a 413 before reading it, and charges nothing', async () => {
    const before = await paid.balance()
    const response = await postJson(paid.pay, `${broken.url}/v1/chat/completions`, {
      model: localModelId,
      messages: [{ role: 'user', content: 'x402 '.repeat(2000) }],
    })
    expect(response.status).toBe(413)
    expect(await response.json()).toMatchObject({ error: { code: 'request_too_large' } })
    expect(await paid.balance()).toBe(before)
  })
})
