import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { createPublicClient, HttpRequestError, http as httpTransport, TimeoutError } from 'viem'
import { afterEach, describe, expect, it } from 'vitest'
import { nodeRpcFetch } from './rpcFetch.ts'

type Answer = (body: { id: number; method: string }, response: http.ServerResponse) => void

const servers: http.Server[] = []
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections()
    await new Promise((closed) => server.close(closed))
  }
})

/** A JSON-RPC server on a real socket, counting the connections clients open. */
async function rpcServer(answer: Answer) {
  const seen = { connections: 0, closed: 0 }
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => answer(JSON.parse(Buffer.concat(chunks).toString()), response))
  })
  server.on('connection', (socket) => {
    seen.connections++
    socket.on('close', () => seen.closed++)
  })
  servers.push(server)
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening))
  const { port } = server.address() as AddressInfo
  return { url: `http://127.0.0.1:${port}`, seen }
}

const json = (response: http.ServerResponse, status: number, value: unknown) => {
  response.writeHead(status, { 'content-type': 'application/json' })
  response.end(JSON.stringify(value))
}

const client = (url: string, options: { timeout?: number; responseBytesMax?: number } = {}) =>
  createPublicClient({
    transport: httpTransport(url, {
      retryCount: 0,
      timeout: options.timeout ?? 5_000,
      fetchFn: nodeRpcFetch({ responseBytesMax: options.responseBytesMax }),
      maxResponseBodySize: false,
    }),
  })

describe('RPC over node:http', () => {
  it('answers viem over one kept-alive connection', async () => {
    const { url, seen } = await rpcServer((body, response) =>
      json(response, 200, { jsonrpc: '2.0', id: body.id, result: '0x2105' }),
    )
    const rpc = client(url)
    for (let call = 0; call < 5; call++) expect(await rpc.getChainId()).toBe(8453)
    const parallel = await Promise.all([rpc.getChainId(), rpc.getBlockNumber({ cacheTime: 0 })])
    expect(parallel).toEqual([8453, 8453n])
    // Five calls in turn on one socket, and one more socket for the second call at once.
    expect(seen.connections).toBe(2)
  })

  it('reports a node error as viem does, and an HTTP failure with its status', async () => {
    const { url } = await rpcServer((body, response) => {
      if (body.method === 'eth_chainId') {
        const error = { code: -32000, message: 'nonce too low' }
        return json(response, 200, { jsonrpc: '2.0', id: body.id, error })
      }
      response.writeHead(503, { 'content-type': 'text/plain' })
      response.end('overloaded')
    })
    const rpc = client(url)
    await expect(rpc.getChainId()).rejects.toThrow('nonce too low')
    const failure = await rpc.getBlockNumber({ cacheTime: 0 }).catch((error: unknown) => error)
    expect(failure).toBeInstanceOf(HttpRequestError)
    expect((failure as HttpRequestError).status).toBe(503)
    expect((failure as HttpRequestError).details).toContain('overloaded')
  })

  it('gives up on a node that does not answer, closing the connection', async () => {
    const { url, seen } = await rpcServer(() => undefined)
    const failure = await client(url, { timeout: 200 })
      .getChainId()
      .catch((error: unknown) => error)
    expect(failure).toBeInstanceOf(TimeoutError)
    await expect.poll(() => seen.closed).toBe(1)
  })

  it('refuses an answer over its size bound', async () => {
    const { url } = await rpcServer((body, response) =>
      json(response, 200, { jsonrpc: '2.0', id: body.id, result: `0x${'0'.repeat(5_000)}` }),
    )
    const failure = await client(url, { responseBytesMax: 1_000 })
      .getChainId()
      .catch((error: unknown) => error)
    expect(failure).toBeInstanceOf(HttpRequestError)
    expect((failure as HttpRequestError).details).toContain('larger than 1000 bytes')
  })

  it('reports a refused connection as an HTTP request error', async () => {
    const { url } = await rpcServer(() => undefined)
    await servers[0]!.close()
    servers.length = 0
    const failure = await client(url)
      .getChainId()
      .catch((error: unknown) => error)
    expect(failure).toBeInstanceOf(HttpRequestError)
    expect(String((failure as HttpRequestError).cause)).toContain('ECONNREFUSED')
  })
})
