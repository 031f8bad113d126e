/**
 * Goal: the Solana devnet's JSON-RPC endpoint answers every body, however malformed, with a
 * well-formed JSON-RPC reply and the standard error codes, and no method ever fails with an
 * internal error on bad params. Method: fixed cases for each error code over real HTTP, then
 * fast-check bodies (arbitrary text, arbitrary JSON, and well-formed calls of every method with
 * arbitrary params).
 */
import { getBase58Encoder } from '@solana/kit'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { RPC_BODY_BYTES_MAX, toJson } from './rpcServer.ts'
import { type SolanaDevnet, startSolanaDevnet } from './startSolanaDevnet.ts'

let devnet: SolanaDevnet

type Envelope = {
  jsonrpc?: unknown
  id?: unknown
  result?: unknown
  error?: { code: number; message: string; data?: unknown }
}

async function post(body: string): Promise<{ status: number; json: unknown }> {
  const response = await fetch(devnet.rpcUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  })
  return { status: response.status, json: await response.json() }
}

async function call(method: string, params?: unknown): Promise<Envelope> {
  const { json } = await post(JSON.stringify({ jsonrpc: '2.0', id: 7, method, params }))
  return envelope(json)
}

function envelope(value: unknown): Envelope {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error(`not a JSON-RPC envelope: ${JSON.stringify(value)}`)
  }
  return value
}

/** Asserts `value` is one JSON-RPC 2.0 reply: a result or an error with a numeric code. */
function expectReply(value: unknown): Envelope {
  const reply = envelope(value)
  expect(reply.jsonrpc).toBe('2.0')
  expect('result' in reply !== 'error' in reply).toBe(true)
  if (reply.error !== undefined) {
    expect(Number.isInteger(reply.error.code)).toBe(true)
    expect(typeof reply.error.message).toBe('string')
  }
  return reply
}

/** A parseable legacy transaction: one (zero) signature, one account, no instructions. */
function minimalTransaction(): string {
  const bytes = new Uint8Array(1 + 64 + 3 + 1 + 32 + 32 + 1)
  bytes.set([1], 0)
  bytes.set([1, 0, 0, 1], 65)
  return Buffer.from(bytes).toString('base64')
}

/**
 * Wire bytes of an unsigned v0 system transfer of 1 lamport from the payer to the fee payer, with
 * the current blockhash: a transaction that simulates successfully without sigVerify.
 */
async function transferBytes(): Promise<Uint8Array> {
  const blockhash = await call('getLatestBlockhash')
  const hash = JSON.stringify(blockhash.result).match(/"blockhash":"(\w+)"/)?.[1] ?? ''
  const key = (text: string) => Uint8Array.from(getBase58Encoder().encode(text))
  const message = [
    [0x80, 1, 0, 1, 3],
    key(devnet.payer.address),
    key(devnet.feePayer.address),
    new Uint8Array(32),
    key(hash),
    [1, 2, 2, 0, 1, 12, 2, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0],
    [0],
  ].flatMap((part) => Array.from(part))
  return Uint8Array.from([1, ...new Array(64).fill(0), ...message])
}

const METHODS = [
  'getLatestBlockhash',
  'getAccountInfo',
  'getMultipleAccounts',
  'getBalance',
  'getTokenAccountBalance',
  'getTokenAccountsByOwner',
  'simulateTransaction',
  'sendTransaction',
  'getSignatureStatuses',
  'getMinimumBalanceForRentExemption',
  'getSlot',
  'getBlockHeight',
  'getEpochInfo',
  'getGenesisHash',
  'getVersion',
  'getHealth',
  'isBlockhashValid',
  'getFeeForMessage',
  'getTransaction',
  'getTransactionCount',
  'getRecentPrioritizationFees',
]

beforeAll(async () => {
  devnet = await startSolanaDevnet({ blockTimeMs: 0 })
})

afterAll(async () => {
  await devnet?.stop()
})

describe('JSON-RPC envelope', () => {
  it('answers parse errors, invalid requests and unknown methods with their codes', async () => {
    expect(envelope((await post('{"jsonrpc":')).json)).toEqual({
      jsonrpc: '2.0',
      error: { code: -32700, message: 'Parse error' },
      id: null,
    })
    expect(envelope((await post('[]')).json).error?.code).toBe(-32600)
    expect(envelope((await post('42')).json).error?.code).toBe(-32600)
    const noVersion = JSON.stringify({ id: 3, method: 'getSlot' })
    expect(envelope((await post(noVersion)).json)).toMatchObject({ id: 3, error: { code: -32600 } })
    const objectId = JSON.stringify({ jsonrpc: '2.0', id: {}, method: 'getSlot' })
    expect(envelope((await post(objectId)).json)).toMatchObject({
      id: null,
      error: { code: -32600 },
    })
    expect(await call('eth_chainId')).toMatchObject({ id: 7, error: { code: -32601 } })
    expect(await call('__proto__')).toMatchObject({ error: { code: -32601 } })
  })

  it('answers bad params with -32602 in Solana wording', async () => {
    expect((await call('getBalance')).error).toEqual({
      code: -32602,
      message: '`params` should have at least 1 argument(s)',
    })
    expect((await call('getBalance', ['not-an-address'])).error).toEqual({
      code: -32602,
      message: 'Invalid param: Invalid',
    })
    expect((await call('getBalance', { pubkey: devnet.payer.address })).error?.code).toBe(-32602)
    const badBase64 = await call('sendTransaction', ['%%%', { encoding: 'base64' }])
    expect(badBase64.error?.code).toBe(-32602)
    expect(badBase64.error?.message).toMatch(/^invalid base64 encoding/)
    const truncated = await call('sendTransaction', ['AQID', { encoding: 'base64' }])
    expect(truncated.error?.message).toMatch(/^failed to deserialize/)
    const conflicting = { encoding: 'base64', sigVerify: true, replaceRecentBlockhash: true }
    const both = await call('simulateTransaction', [minimalTransaction(), conflicting])
    expect(both.error?.message).toBe('sigVerify may not be used with replaceRecentBlockhash')
    expect((await call('getTokenAccountBalance', [devnet.payer.address])).error?.code).toBe(-32602)
    expect((await call('getAccountInfo', [devnet.mint, { encoding: 'hex' }])).error?.code).toBe(
      -32602,
    )
  })

  it('answers batches in order, each with its own id', async () => {
    const batch = JSON.stringify([
      { jsonrpc: '2.0', id: 'a', method: 'getSlot' },
      { jsonrpc: '2.0', id: 'b', method: 'nope' },
      { jsonrpc: '2.0', id: 'c', method: 'getBalance', params: [devnet.feePayer.address] },
    ])
    const { json } = await post(batch)
    expect(json).toEqual([
      { jsonrpc: '2.0', result: 0, id: 'a' },
      { jsonrpc: '2.0', error: { code: -32601, message: 'Method not found' }, id: 'b' },
      {
        jsonrpc: '2.0',
        result: { context: { apiVersion: '3.0.0', slot: 0 }, value: 1_000_000_000_000 },
        id: 'c',
      },
    ])
  })

  it('refuses a body over the size limit with a JSON-RPC error', async () => {
    const { status, json } = await post(`"${'x'.repeat(RPC_BODY_BYTES_MAX)}"`)
    expect(status).toBe(413)
    expect(envelope(json).error?.code).toBe(-32600)
  })

  it('writes u64 values exactly, beyond 2^53', async () => {
    expect(toJson({ rentEpoch: 18_446_744_073_709_551_615n, skipped: undefined })).toBe(
      '{"rentEpoch":18446744073709551615}',
    )
    // JSON.parse rounds it to the nearest double; kit's bigint-aware parser keeps it exact.
    const { result } = await call('getAccountInfo', [devnet.mint, { encoding: 'base64' }])
    expect(result).toMatchObject({ value: { rentEpoch: 2 ** 64 } })
  })
})

describe('fuzzing the endpoint', () => {
  it('answers arbitrary text bodies with a JSON-RPC reply', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 200 }), async (body) => {
        const { status, json } = await post(body)
        expect(status).toBe(200)
        const replies = Array.isArray(json) ? json : [json]
        for (const reply of replies) expectReply(reply)
      }),
      { numRuns: 150 },
    )
  })

  it('answers arbitrary JSON bodies, single or batched, with JSON-RPC replies', async () => {
    const request = fc.record(
      {
        jsonrpc: fc.oneof(fc.constant('2.0'), fc.jsonValue()),
        id: fc.oneof(fc.integer(), fc.string(), fc.constant(null), fc.jsonValue()),
        method: fc.oneof(fc.constantFrom(...METHODS), fc.jsonValue()),
        params: fc.jsonValue(),
      },
      { requiredKeys: [] },
    )
    const body = fc.oneof(fc.jsonValue(), request, fc.array(request, { maxLength: 5 }))
    await fc.assert(
      fc.asyncProperty(body, async (value) => {
        const { status, json } = await post(JSON.stringify(value))
        expect(status).toBe(200)
        const replies = Array.isArray(json) ? json : [json]
        for (const reply of replies) expectReply(reply)
      }),
      { numRuns: 300 },
    )
  })

  it('simulates and refuses mutated transactions without an internal error', async () => {
    const valid = await transferBytes()
    const simulated = await call('simulateTransaction', [
      Buffer.from(valid).toString('base64'),
      { encoding: 'base64' },
    ])
    expect(simulated.result).toMatchObject({ value: { err: null } })
    const mutation = fc.array(fc.tuple(fc.nat(valid.length - 1), fc.nat(255)), {
      minLength: 1,
      maxLength: 4,
    })
    await fc.assert(
      fc.asyncProperty(mutation, fc.boolean(), async (changes, truncate) => {
        const bytes = Uint8Array.from(valid)
        for (const [index, value] of changes) bytes[index] = value
        const sent = truncate ? bytes.subarray(0, changes[0]?.[0] ?? 0) : bytes
        const encoded = Buffer.from(sent).toString('base64')
        for (const method of ['simulateTransaction', 'sendTransaction']) {
          const config = { encoding: 'base64', skipPreflight: true }
          const reply = expectReply(
            (
              await post(
                JSON.stringify({ jsonrpc: '2.0', id: 2, method, params: [encoded, config] }),
              )
            ).json,
          )
          if (reply.error?.code === -32603) throw new Error(`${method}: ${reply.error.message}`)
        }
      }),
      { numRuns: 300 },
    )
  })

  it('never fails with an internal error, whatever the params of a known method', async () => {
    const address = fc.constantFrom(devnet.payer.address, devnet.mint, 'x', '1'.repeat(32))
    const param = fc.oneof(address, fc.jsonValue(), fc.base64String({ maxLength: 300 }))
    const params = fc.oneof(fc.array(param, { maxLength: 3 }), fc.jsonValue())
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...METHODS), params, async (method, given) => {
        const reply = expectReply(
          (await post(JSON.stringify({ jsonrpc: '2.0', id: 1, method, params: given }))).json,
        )
        expect(reply.id).toBe(1)
        if (reply.error?.code === -32603) throw new Error(`${method}: ${reply.error.message}`)
      }),
      { numRuns: 400 },
    )
  })
})
