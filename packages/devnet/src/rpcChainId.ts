/**
 * A bare `eth_chainId` probe over HTTP. Used while anvil starts up, before a viem client is worth
 * creating, and kept free of retries: the caller owns the retry loop and its deadline.
 * @module
 */

/** Asks `rpcUrl` for its chain id; throws on a network error, a timeout or a malformed answer. */
export async function rpcChainId(rpcUrl: string, timeoutMs: number): Promise<number> {
  const response = await fetch(rpcUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }),
    signal: AbortSignal.timeout(timeoutMs),
  })
  if (!response.ok) throw new Error(`eth_chainId: HTTP ${response.status}`)
  const body: unknown = await response.json()
  const result =
    typeof body === 'object' && body !== null
      ? Object.getOwnPropertyDescriptor(body, 'result')
      : undefined
  if (typeof result?.value !== 'string' || !/^0x[0-9a-f]+$/i.test(result.value)) {
    throw new Error(`eth_chainId: unexpected answer ${JSON.stringify(body)}`)
  }
  return Number.parseInt(result.value, 16)
}
