/**
 * A Solana JSON-RPC endpoint in memory, for tests: each method answers from a handler, and every
 * call is counted, so a test can prove that a rejection cost no RPC call and sent nothing.
 * The kit RPC built on it parses answers exactly as it parses a real node's.
 */
import { createSolanaRpcFromTransport, type RpcTransport } from '@solana/kit'
import { z } from 'zod'

export type RpcHandler = (params: readonly unknown[]) => unknown

/** A JSON-RPC error a handler throws, e.g. "already processed". */
export class RpcFault extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly data?: unknown,
  ) {
    super(message)
  }
}

const requestSchema = z.object({
  id: z.unknown(),
  method: z.string(),
  params: z.array(z.unknown()).optional(),
})

export interface FakeRpc {
  rpc: ReturnType<typeof createSolanaRpcFromTransport<RpcTransport>>
  handlers: Record<string, RpcHandler>
  calls: Array<{ method: string; params: readonly unknown[] }>
  count(method: string): number
}

export function fakeRpc(handlers: Record<string, RpcHandler> = {}): FakeRpc {
  const calls: FakeRpc['calls'] = []
  const answer = async (body: unknown) => {
    const request = requestSchema.parse(body)
    const params = request.params ?? []
    calls.push({ method: request.method, params })
    const handler = handlers[request.method]
    if (!handler) {
      return { jsonrpc: '2.0', id: request.id, error: { code: -32601, message: 'not found' } }
    }
    try {
      return { jsonrpc: '2.0', id: request.id, result: await handler(params) }
    } catch (error) {
      const fault = error instanceof RpcFault ? error : undefined
      const message = error instanceof Error ? error.message : String(error)
      const data = fault?.data === undefined ? {} : { data: fault.data }
      return {
        jsonrpc: '2.0',
        id: request.id,
        error: { code: fault?.code ?? -32603, message, ...data },
      }
    }
  }
  const transport: RpcTransport = async ({ payload }) =>
    JSON.parse(JSON.stringify(await answer(payload)))
  return {
    rpc: createSolanaRpcFromTransport(transport),
    handlers,
    calls,
    count: (method) => calls.filter((call) => call.method === method).length,
  }
}

/** `{context, value}`, the envelope most Solana RPC answers come in. */
export function withContext(value: unknown): unknown {
  return { context: { slot: 1 }, value }
}
