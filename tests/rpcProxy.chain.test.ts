/**
 * The fault-injection RPC proxy (tests/support/rpcProxy.ts) against a real anvil. Goal: each fault
 * does exactly what the facilitator's double-payment tests will rely on. Method: send calls through
 * the proxy with viem (no retries, 500 ms timeout) and judge their effect through anvil's own URL,
 * which the proxy cannot touch. Every test gets a fresh proxy, so its log starts empty.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { ANVIL_ACCOUNTS, type AnvilProcess, startAnvil } from '@tollgate/devnet'
import {
  createPublicClient,
  type Hex,
  HttpRequestError,
  http,
  keccak256,
  type PublicClient,
  parseGwei,
  TimeoutError,
} from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import { type RpcFaultRule, type RpcProxy, startRpcProxy } from './support/rpcProxy.ts'

// Accounts 7 and 8 are not used by the devnet roles, so nothing else moves their nonces.
const sender = privateKeyToAccount(ANVIL_ACCOUNTS[7].privateKey)
const recipient = ANVIL_ACCOUNTS[8].address
const limitExceeded = { code: -32005, message: 'limit exceeded' }

let anvil: AnvilProcess
let direct: PublicClient
let proxy: RpcProxy
let client: PublicClient

beforeAll(async () => {
  anvil = await startAnvil({ port: 0 })
  direct = createPublicClient({ transport: http(anvil.rpcUrl, { retryCount: 0 }) })
})
afterAll(() => anvil?.stop())
beforeEach(async () => {
  proxy = await startRpcProxy({ upstreamUrl: anvil.rpcUrl, seed: 1 })
  client = clientOf(proxy)
})
afterEach(() => proxy?.close())

function clientOf(target: RpcProxy): PublicClient {
  return createPublicClient({ transport: http(target.url, { retryCount: 0, timeout: 500 }) })
}

/** A signed 1-wei transfer from `sender` at its next nonce. */
async function signedTransfer(): Promise<{ raw: Hex; hash: Hex; nonce: number }> {
  const nonce = await direct.getTransactionCount({ address: sender.address, blockTag: 'pending' })
  const raw = await sender.signTransaction({
    type: 'eip1559',
    chainId: anvil.chainId,
    nonce,
    to: recipient,
    value: 1n,
    gas: 21_000n,
    maxFeePerGas: parseGwei('10'),
    maxPriorityFeePerGas: parseGwei('1'),
  })
  return { raw, hash: keccak256(raw), nonce }
}

async function expectMined(hash: Hex): Promise<void> {
  const receipt = await direct.waitForTransactionReceipt({
    hash,
    timeout: 5_000,
    pollingInterval: 50,
  })
  expect(receipt.status).toBe('success')
}

/** Neither mined nor waiting in anvil's pool, and the sender's nonce has not moved. */
async function expectNotSeen(hash: Hex, nonce: number): Promise<void> {
  expect(await direct.request({ method: 'eth_getTransactionByHash', params: [hash] })).toBeNull()
  expect(await direct.getTransactionCount({ address: sender.address, blockTag: 'pending' })).toBe(
    nonce,
  )
}

/** How many times requests carrying `method` reached anvil. */
function upstreamSends(method: string): number {
  return proxy
    .calls()
    .filter((call) => call.methods.includes(method))
    .reduce((sum, call) => sum + call.upstream.length, 0)
}

async function succeeds(request: Promise<unknown>): Promise<boolean> {
  return request.then(
    () => true,
    () => false,
  )
}

async function postJson(url: string, body: unknown): Promise<{ status: number; body: unknown }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
  return { status: response.status, body: await response.json() }
}

function sendRaw(raw: Hex): Promise<Hex> {
  return client.sendRawTransaction({ serializedTransaction: raw })
}

describe('rpcProxy', () => {
  it('passes calls through unchanged and logs them', async () => {
    expect(await client.getChainId()).toBe(anvil.chainId)
    expect(await client.getBlockNumber({ cacheTime: 0 })).toBe(
      await direct.getBlockNumber({ cacheTime: 0 }),
    )
    expect(proxy.calls()).toEqual([
      {
        seq: 1,
        methods: ['eth_chainId'],
        batch: false,
        params: [''],
        fault: null,
        upstream: [{ status: 200, errors: [] }],
      },
      {
        seq: 2,
        methods: ['eth_blockNumber'],
        batch: false,
        params: [''],
        fault: null,
        upstream: [{ status: 200, errors: [] }],
      },
    ])
  })

  it('forwards a batch, and faults all of it when any call in it matches', async () => {
    const batch = [
      { jsonrpc: '2.0', id: 1, method: 'eth_chainId' },
      { jsonrpc: '2.0', id: 2, method: 'eth_getBalance', params: [recipient, 'latest'] },
    ]
    const through = await postJson(proxy.url, batch)
    expect(through.body).toMatchObject([
      { id: 1, result: `0x${anvil.chainId.toString(16)}` },
      { id: 2, result: expect.stringMatching(/^0x[0-9a-f]+$/) },
    ])
    proxy.setRules([
      { method: 'eth_getBalance', fault: { kind: 'error', rpcError: limitExceeded } },
    ])
    const faulted = await postJson(proxy.url, batch)
    expect(faulted).toEqual({
      status: 200,
      body: [
        { jsonrpc: '2.0', id: 1, error: limitExceeded },
        { jsonrpc: '2.0', id: 2, error: limitExceeded },
      ],
    })
    const calls = proxy.calls()
    expect(calls.map((call) => [call.batch, call.methods, call.upstream.length])).toEqual([
      [true, ['eth_chainId', 'eth_getBalance'], 1],
      [true, ['eth_chainId', 'eth_getBalance'], 0],
    ])
    expect(calls[0]?.params).toEqual(['', JSON.stringify([recipient, 'latest'])])
  })

  it('drop-response (destroy): the client fails, yet the transaction is mined', async () => {
    proxy.setRules([
      { method: 'eth_sendRawTransaction', fault: { kind: 'drop-response', mode: 'destroy' } },
    ])
    const { raw, hash } = await signedTransfer()
    await expect(sendRaw(raw)).rejects.toThrow(HttpRequestError)
    await expectMined(hash)
    expect(upstreamSends('eth_sendRawTransaction')).toBe(1)
    expect(proxy.calls()[0]?.fault).toEqual({ kind: 'drop-response', mode: 'destroy' })
  })

  it('drop-response (hang): the client times out, yet the transaction is mined', async () => {
    proxy.setRules([
      { method: 'eth_sendRawTransaction', fault: { kind: 'drop-response', mode: 'hang' } },
    ])
    const { raw, hash } = await signedTransfer()
    await expect(sendRaw(raw)).rejects.toThrow(TimeoutError)
    await expectMined(hash)
    expect(upstreamSends('eth_sendRawTransaction')).toBe(1)
  })

  it('drop-request: the client fails and the transaction never reaches the chain', async () => {
    proxy.setRules([{ method: 'eth_sendRawTransaction', fault: { kind: 'drop-request' } }])
    const { raw, hash, nonce } = await signedTransfer()
    await expect(sendRaw(raw)).rejects.toThrow(HttpRequestError)
    await expectNotSeen(hash, nonce)
    expect(upstreamSends('eth_sendRawTransaction')).toBe(0)
    // The same bytes go through once the rule is gone: the transaction itself was valid.
    proxy.clearRules()
    expect(await sendRaw(raw)).toBe(hash)
    await expectMined(hash)
  })

  it('delay: the answer comes after the delay, and other methods are not slowed', async () => {
    const delayMs = 300
    proxy.setRules([{ method: 'eth_blockNumber', fault: { kind: 'delay', delayMs } }])
    let started = performance.now()
    const blockNumber = await client.getBlockNumber({ cacheTime: 0 })
    // libuv may fire a timer up to 1 ms early against performance.now().
    expect(performance.now() - started).toBeGreaterThanOrEqual(delayMs - 1)
    expect(blockNumber).toBe(await direct.getBlockNumber({ cacheTime: 0 }))
    started = performance.now()
    await client.getChainId()
    expect(performance.now() - started).toBeLessThan(delayMs)
    // A delay past the client's timeout looks like a lost answer to it.
    proxy.setRules([{ method: 'eth_chainId', fault: { kind: 'delay', delayMs: 2_000 } }])
    await expect(client.getChainId()).rejects.toThrow(TimeoutError)
    expect(upstreamSends('eth_chainId')).toBe(2)
  })

  it('duplicate: sends twice upstream, the second is refused, the client gets the first', async () => {
    proxy.setRules([{ method: 'eth_sendRawTransaction', fault: { kind: 'duplicate' } }])
    const { raw, hash, nonce } = await signedTransfer()
    expect(await sendRaw(raw)).toBe(hash)
    const [call] = proxy.calls()
    expect(call?.upstream).toHaveLength(2)
    expect(call?.upstream[0]).toEqual({ status: 200, errors: [] })
    expect(call?.upstream[1]?.errors).toEqual([expect.stringMatching(/already|nonce/i)])
    await expectMined(hash)
    // Mined once: the nonce moved by exactly one.
    expect(await direct.getTransactionCount({ address: sender.address })).toBe(nonce + 1)
  })

  it('error: answers an HTTP status or a JSON-RPC error without forwarding', async () => {
    proxy.setRules([
      { method: 'eth_chainId', fault: { kind: 'error', status: 503 } },
      { method: 'eth_sendRawTransaction', fault: { kind: 'error', rpcError: limitExceeded } },
    ])
    await expect(client.getChainId()).rejects.toMatchObject({
      name: 'HttpRequestError',
      status: 503,
    })
    const { raw, hash, nonce } = await signedTransfer()
    await expect(sendRaw(raw)).rejects.toMatchObject({ code: limitExceeded.code })
    await expectNotSeen(hash, nonce)
    expect(proxy.calls().map((call) => [call.fault?.kind, call.upstream.length])).toEqual([
      ['error', 0],
      ['error', 0],
    ])
  })

  it('times: faults the first n matching calls only; setRules restarts the count', async () => {
    const rule: RpcFaultRule = {
      method: 'eth_chainId',
      fault: { kind: 'error', status: 502 },
      times: 2,
    }
    proxy.setRules([rule])
    const outcomes: boolean[] = []
    for (let index = 0; index < 4; index++) {
      outcomes.push(await succeeds(client.request({ method: 'eth_chainId' })))
      // A method the rule does not name neither fails nor uses up the count.
      outcomes.push(await succeeds(client.request({ method: 'eth_blockNumber' })))
    }
    expect(outcomes).toEqual([false, true, false, true, true, true, true, true])
    proxy.setRules([rule])
    expect(await succeeds(client.request({ method: 'eth_chainId' }))).toBe(false)
    proxy.clearRules()
    expect(await succeeds(client.request({ method: 'eth_chainId' }))).toBe(true)
  })

  it('probability: the same seed gives the same faults, another seed others', async () => {
    const rule: RpcFaultRule = {
      method: 'eth_chainId',
      fault: { kind: 'error', status: 503 },
      probability: 0.5,
    }
    const first = await faultPattern(7, rule)
    expect(await faultPattern(7, rule)).toBe(first)
    expect(await faultPattern(8, rule)).not.toBe(first)
    const faults = first.replaceAll('.', '').length
    expect(faults).toBeGreaterThan(8)
    expect(faults).toBeLessThan(32)
    // With `times`, the draw hits at most that often.
    const capped = await faultPattern(7, { ...rule, times: 3 })
    const thirdFault = first.split('x').slice(0, 3).join('x').length
    expect(capped).toBe(first.slice(0, thirdFault + 1).padEnd(first.length, '.'))
  })

  it('close() ends hung connections and resolves', async () => {
    proxy.setRules([{ method: 'eth_chainId', fault: { kind: 'drop-response', mode: 'hang' } }])
    const settled = succeeds(postJson(proxy.url, { jsonrpc: '2.0', id: 1, method: 'eth_chainId' }))
    await vi.waitFor(() => expect(proxy.calls()[0]?.upstream).toHaveLength(1))
    expect(await Promise.race([settled, sleep(300, 'hanging')])).toBe('hanging')
    expect(await Promise.race([proxy.close().then(() => 'closed'), sleep(2_000, 'stuck')])).toBe(
      'closed',
    )
    expect(await Promise.race([settled, sleep(2_000, 'hanging')])).toBe(false)
  })

  it('rejects impossible rules up front', async () => {
    const fault = { kind: 'error', status: 503 } as const
    expect(() => proxy.setRules([{ method: [], fault }])).toThrow(/method/)
    expect(() => proxy.setRules([{ method: 'eth_chainId', fault, probability: 1.5 }])).toThrow(
      /probability/,
    )
    expect(() => proxy.setRules([{ method: 'eth_chainId', fault, times: -1 }])).toThrow(/times/)
    expect(() =>
      proxy.setRules([{ method: 'eth_chainId', fault: { kind: 'error', status: 200 } }]),
    ).toThrow(/status/)
    await expect(startRpcProxy({ upstreamUrl: 'ftp://x', seed: 1 })).rejects.toThrow(/upstreamUrl/)
  })
})

/** Sends 40 `eth_chainId` through a fresh proxy: `x` where it faulted, `.` where it passed. */
async function faultPattern(seed: number, rule: RpcFaultRule): Promise<string> {
  const target = await startRpcProxy({ upstreamUrl: anvil.rpcUrl, seed, rules: [rule] })
  try {
    const targetClient = clientOf(target)
    let pattern = ''
    for (let index = 0; index < 40; index++) {
      pattern += (await succeeds(targetClient.request({ method: 'eth_chainId' }))) ? '.' : 'x'
    }
    // The client's view and the proxy's log agree.
    expect(
      target
        .calls()
        .map((call) => (call.fault === null ? '.' : 'x'))
        .join(''),
    ).toBe(pattern)
    return pattern
  } finally {
    await target.close()
  }
}
