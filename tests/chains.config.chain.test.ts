/**
 * The Kite AI testnet config, as shipped, run on a devnet answering as that chain (2368): given
 * the facts it asks for in the environment, `tollgate facilitator --config` verifies and settles a
 * payment there, paid by a client and charged by a server like any other network's.
 */
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { readReceipt, wrapFetch } from '@tollgate/client'
import { ANVIL_ACCOUNTS } from '@tollgate/devnet'
import { exactEvmClient, exactEvmServer } from '@tollgate/evm'
import { paymentMiddleware } from '@tollgate/server/hono'
import { Hono } from 'hono'
import { type DevStack, listen } from 'tollgate'
import { afterAll, describe, expect, it } from 'vitest'
import { startCli, waitFor } from './support/cli.ts'
import { payerAccount, startTestStack, tokenBalance } from './support/stack.ts'

let stack: DevStack | undefined
afterAll(() => stack?.stop())

describe('settlement chains by config', () => {
  it('settles on Kite AI testnet (eip155:2368) through config/facilitator.kite-testnet.json', async () => {
    stack = await startTestStack({ chainId: 2368 })
    const { manifest } = stack
    expect(manifest.network).toBe('eip155:2368')
    const facilitator = startCli(
      ['facilitator', '--config', resolve('config/facilitator.kite-testnet.json'), '--port', '0'],
      {
        cwd: await mkdtemp(join(tmpdir(), 'tollgate-kite-')),
        env: {
          KITE_TESTNET_RPC_URL: manifest.rpcUrl,
          FACILITATOR_PRIVATE_KEY: ANVIL_ACCOUNTS[7].privateKey,
          KITE_TESTNET_TOKEN_ADDRESS: manifest.asset.address,
          KITE_TESTNET_TOKEN_EIP712_NAME: manifest.asset.name,
          KITE_TESTNET_TOKEN_EIP712_VERSION: manifest.asset.version,
          KITE_TESTNET_TOKEN_DECIMALS: String(manifest.asset.decimals),
          KITE_TESTNET_MULTICALL3_ADDRESS: manifest.multicall3 ?? '',
        },
      },
    )
    try {
      await waitFor(
        () => facilitator.output.stdout.includes('facilitator listening'),
        'the facilitator',
      ).catch((error: Error) => {
        throw new Error(
          `${error.message}: ${facilitator.output.stdout}${facilitator.output.stderr}`,
        )
      })
      const listening = facilitator.output.stdout
        .split('\n')
        .find((line) => line.includes('facilitator listening'))!
      const { url } = JSON.parse(listening) as { url: string }
      const supported = await (await fetch(`${url}/supported`)).json()
      expect(supported.kinds).toContainEqual(
        expect.objectContaining({ scheme: 'exact', network: 'eip155:2368' }),
      )
      const assets = { [manifest.network]: manifest.asset }
      const app = new Hono()
      app.use(
        paymentMiddleware({
          routes: {
            'GET /kite': {
              price: '$0.001',
              network: manifest.network,
              payTo: manifest.accounts.merchant.address,
            },
          },
          facilitator: { url },
          schemes: [exactEvmServer({ assets })],
        }),
      )
      app.get('/kite', (c) => c.json({ flown: true }))
      const api = await listen(app, 0)
      try {
        const before = await tokenBalance(manifest, manifest.accounts.merchant.address)
        const pay = wrapFetch(fetch, {
          schemes: [exactEvmClient({ signer: payerAccount(manifest), assets })],
        })
        const response = await pay(`${api.url}/kite`)
        expect(response.status).toBe(200)
        expect(await response.json()).toEqual({ flown: true })
        const receipt = readReceipt(response)
        expect(receipt).toMatchObject({ success: true, network: 'eip155:2368' })
        expect(receipt?.transaction).toMatch(/^0x[0-9a-f]{64}$/)
        expect((await tokenBalance(manifest, manifest.accounts.merchant.address)) - before).toBe(
          1000n,
        )
      } finally {
        await api.close()
      }
    } finally {
      facilitator.child.kill('SIGTERM')
    }
    expect(await facilitator.exited).toBe(0)
    expect(facilitator.output.stdout + facilitator.output.stderr).not.toContain(
      ANVIL_ACCOUNTS[7].privateKey.slice(2),
    )
  })
})
