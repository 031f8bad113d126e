/**
 * The gateway forwarding to an OpenAI-compatible upstream, here a local fake of one (a Hono app
 * answering by the model asked): a completion is forwarded with the API key and charged the
 * upstream's usage; one without usage is counted here; the key never appears in any answer; an
 * upstream that fails, hangs or cannot be reached is a 424 and nothing is charged.
 */
import { readReceipt } from '@tollgate/client'
import { Hono } from 'hono'
import { type Listening, listen } from 'tollgate'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createGatewayApp } from '../src/app.ts'
import { countPromptTokens, countTextTokens } from '../src/tokens.ts'
import { atomic, type PaidStack, postJson, startPaidStack } from './stack.ts'

const apiKey = 'sk-test-4c1d2b7e9f0a3358'
let paid: PaidStack
let upstream: Listening
let gateway: Listening
let unreachable: Listening
/** What the fake upstream received, last request first. */
const received: { authorization: string | undefined; body: Record<string, unknown> }[] = []

function fakeUpstream(): Hono {
  const app = new Hono()
  app.post('/v1/chat/completions', async (c) => {
    const body = (await c.req.json()) as Record<string, unknown>
    received.unshift({ authorization: c.req.header('authorization'), body })
    const reply = (content: string, usage?: Record<string, number>) =>
      c.json({
        id: 'upstream-1',
        object: 'chat.completion',
        created: 1,
        model: `${body.model}-2026`,
        choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
        ...(usage ? { usage } : {}),
      })
    switch (body.model) {
      case 'fake-good':
        return reply('The answer is 42.', {
          prompt_tokens: 30,
          completion_tokens: 12,
          total_tokens: 42,
        })
      case 'fake-no-usage':
        return reply('Counted by the gateway.')
      case 'fake-broken':
        // An upstream that repeats the key it was sent: it must not reach the buyer.
        return c.json({ error: { message: `invalid key ${c.req.header('authorization')}` } }, 500)
      case 'fake-garbled':
        return c.text('<html>gateway timeout</html>')
      case 'fake-slow':
        return new Promise<Response>(() => undefined)
      default:
        return c.json({ error: { message: 'no such model' } }, 404)
    }
  })
  return app
}

beforeAll(async () => {
  paid = await startPaidStack()
  upstream = await listen(fakeUpstream(), 0)
  const { manifest } = paid.stack
  const gatewayTo = (baseUrl: string) =>
    createGatewayApp({
      network: manifest.network,
      payTo: manifest.accounts.merchant.address,
      facilitatorUrl: manifest.facilitatorUrl,
      schemes: paid.schemes,
      upstream: { baseUrl, apiKey, timeoutMs: 1_000 },
    })
  gateway = await listen(gatewayTo(`${upstream.url}/v1`), 0)
  // A port that was free a moment ago: nothing listens there now.
  const closed = await listen(new Hono(), 0)
  await closed.close()
  unreachable = await listen(gatewayTo(`${closed.url}/v1`), 0)
})
afterAll(async () => {
  await gateway?.close()
  await unreachable?.close()
  await upstream?.close()
  await paid?.stack.stop()
})

const ask = (model: string, target = () => gateway) =>
  postJson(paid.pay, `${target().url}/v1/chat/completions`, {
    model,
    messages: [{ role: 'user', content: 'What is the answer?' }],
    max_tokens: 50,
    temperature: 0.3,
  })

/** Every header and the body of a response, as one text to search for the key. */
async function everything(response: Response): Promise<string> {
  return `${[...response.headers].map(([name, value]) => `${name}: ${value}`).join('\n')}\n${await response.text()}`
}

describe('the LLM gateway, forwarding to an upstream', () => {
  it('forwards with the key, returns the upstream answer and charges its usage', async () => {
    const before = await paid.balance()
    const response = await ask('fake-good')
    expect(response.status).toBe(200)
    const text = await everything(response.clone())
    expect(text).not.toContain(apiKey)
    const body = (await response.json()) as {
      model: string
      choices: { message: { content: string } }[]
      usage: Record<string, number>
      x_tollgate: { charged_usd: string; usage_source: string; tokens: number }
    }
    expect(body.choices[0]!.message.content).toBe('The answer is 42.')
    expect(body.model).toBe('fake-good-2026')
    expect(body.usage).toEqual({ prompt_tokens: 30, completion_tokens: 12, total_tokens: 42 })
    expect(body.x_tollgate).toMatchObject({
      tokens: 42,
      usage_source: 'upstream',
      charged_usd: '$0.000084',
    })
    expect(readReceipt(response)).toMatchObject({ success: true, amount: '84' })
    expect(before - (await paid.balance())).toBe(84n)
    // What the upstream got: the key, the messages, the token budget and the sampling asked.
    expect(received[0]!.authorization).toBe(`Bearer ${apiKey}`)
    expect(received[0]!.body).toEqual({
      model: 'fake-good',
      messages: [{ role: 'user', content: 'What is the answer?' }],
      max_tokens: 50,
      temperature: 0.3,
      stream: false,
    })
  })

  it('counts the tokens itself when the upstream reports no usage', async () => {
    const before = await paid.balance()
    const response = await ask('fake-no-usage')
    expect(response.status).toBe(200)
    const body = (await response.json()) as {
      usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number }
      x_tollgate: { charged_usd: string; usage_source: string }
    }
    const prompt = countPromptTokens([{ role: 'user', content: 'What is the answer?' }])
    expect(body.usage).toEqual({
      prompt_tokens: prompt,
      completion_tokens: countTextTokens('Counted by the gateway.'),
      total_tokens: prompt + countTextTokens('Counted by the gateway.'),
    })
    expect(body.x_tollgate.usage_source).toBe('counted')
    const charged = atomic(body.x_tollgate.charged_usd)
    expect(charged).toBe(BigInt(body.usage.total_tokens) * 2n)
    expect(before - (await paid.balance())).toBe(charged)
  })

  it.each([
    ['fails', 'fake-broken', () => gateway, 'upstream_failed'],
    ['answers something else', 'fake-garbled', () => gateway, 'upstream_malformed'],
    ['does not answer in time', 'fake-slow', () => gateway, 'upstream_timeout'],
    ['cannot be reached', 'fake-good', () => unreachable, 'upstream_unreachable'],
  ])(
    'answers 424 when the upstream %s, and charges nothing',
    async (_what, model, target, code) => {
      const before = await paid.balance()
      const response = await ask(model, target)
      expect(response.status).toBe(424)
      const text = await everything(response.clone())
      expect(text).not.toContain(apiKey)
      const body = (await response.json()) as { error: Record<string, unknown> }
      expect(body.error).toMatchObject({ type: 'upstream_error', code, param: null })
      expect(readReceipt(response)).toBeUndefined()
      expect(await paid.balance()).toBe(before)
    },
  )

  it('says what the failing upstream said, with the key cut out', async () => {
    const response = await ask('fake-broken')
    const body = (await response.json()) as { error: { message: string } }
    expect(body.error.message).toBe('the upstream answered 500: invalid key Bearer [redacted]')
  })
})
