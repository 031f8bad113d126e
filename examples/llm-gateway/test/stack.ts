/**
 * What both chain tests share: a dev stack, a paying fetch (`upto` on EVM, the manifest's payer),
 * the payer's USDC balance read from the chain, and a JSON POST.
 */
import { wrapFetch } from '@tollgate/client'
import type { SchemeServer } from '@tollgate/core'
import { uptoEvmClient, uptoEvmServer } from '@tollgate/evm'
import { type DevStack, rpcClient, startDevStack } from 'tollgate'
import { privateKeyToAccount } from 'viem/accounts'

export interface PaidStack {
  stack: DevStack
  pay: typeof fetch
  schemes: SchemeServer[]
  balance(): Promise<bigint>
}

export async function startPaidStack(): Promise<PaidStack> {
  const stack = await startDevStack({ rpcPort: 0, facilitatorPort: 0, apiPort: 0, solanaPort: 0 })
  const { manifest } = stack
  const assets = { [manifest.network]: manifest.asset }
  const signer = privateKeyToAccount(manifest.accounts.payer.privateKey)
  const rpc = rpcClient(manifest.rpcUrl)
  return {
    stack,
    pay: wrapFetch(fetch, { schemes: [uptoEvmClient({ signer, assets })] }),
    schemes: [uptoEvmServer({ assets })],
    balance: () =>
      rpc.readContract({
        address: manifest.asset.address,
        abi: [
          {
            type: 'function',
            name: 'balanceOf',
            stateMutability: 'view',
            inputs: [{ type: 'address' }],
            outputs: [{ type: 'uint256' }],
          },
        ],
        functionName: 'balanceOf',
        args: [manifest.accounts.payer.address],
      }),
  }
}

/** `POST {url}` with a JSON body, through `fetcher` (the paying fetch, or a plain one). */
export function postJson(
  fetcher: typeof fetch,
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetcher(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  })
}

/** A dollar amount with six decimals (`$0.000246`) in USDC atomic units. */
export function atomic(usd: string): bigint {
  const match = /^\$(\d+)\.(\d{6})$/.exec(usd)
  if (!match) throw new Error(`not a six-decimal dollar amount: ${usd}`)
  return BigInt(match[1]!) * 1_000_000n + BigInt(match[2]!)
}
