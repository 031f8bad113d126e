/**
 * A first run as a new user has it: hints that name the real cause, failed connections that name
 * the URL and the cause, `wallet fund` on the devnet, a manifest's token beside the network's USDC.
 */
import { mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { encodePaymentRequiredHeader } from '@tollgate/core'
import { ANVIL_ACCOUNTS } from '@tollgate/devnet'
import { type DevStack, listen } from 'tollgate'
import { generatePrivateKey, privateKeyToAddress } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli, startCli, waitFor } from './support/cli.ts'
import { startTestStack, tokenBalance } from './support/stack.ts'

let workdir: string
let stack: DevStack

beforeAll(async () => {
  workdir = await mkdtemp(join(tmpdir(), 'tollgate-first-run-'))
  stack = await startTestStack()
})
afterAll(() => stack?.stop())

describe('tollgate pay on a first run', () => {
  it('names the manifest it looked for when the asset is unknown, and no limit', async () => {
    const elsewhere = await mkdtemp(join(tmpdir(), 'tollgate-elsewhere-'))
    const result = await runCli(['pay', `${stack.manifest.exampleApiUrl}/weather`], {
      cwd: elsewhere,
      env: { TOLLGATE_PRIVATE_KEY: stack.manifest.accounts.payer.privateKey },
    })
    expect(result.code).toBe(1)
    expect(result.stderr).toContain(`asset ${stack.manifest.asset.address} is not a known asset`)
    expect(result.stderr).toContain(`there is none at ${join(elsewhere, '.tollgate/dev.json')}`)
    expect(result.stderr).not.toContain('--max-payment')
  })

  it('names the URL and the cause when nothing answers', async () => {
    const closed = await closedPort()
    const result = await runCli(['pay', `http://127.0.0.1:${closed}/weather`], {
      env: { TOLLGATE_PRIVATE_KEY: stack.manifest.accounts.payer.privateKey },
    })
    expect(result.code).toBe(1)
    expect(result.stderr).toBe(
      `error: cannot reach http://127.0.0.1:${closed}/weather: connection refused: nothing listens there (ECONNREFUSED)\n`,
    )
  })

  it("keeps the network's USDC known beside a manifest's token on the same chain id", async () => {
    // A devnet started with --chain-id 84532 answers as Base Sepolia; Circle's USDC stays known.
    const sepoliaManifest = join(workdir, 'sepolia.json')
    await writeFile(
      sepoliaManifest,
      JSON.stringify({ ...stack.manifest, network: 'eip155:84532', chainId: 84532 }),
    )
    const required = encodePaymentRequiredHeader({
      x402Version: 2,
      resource: { url: 'http://127.0.0.1/report' },
      accepts: [
        {
          scheme: 'exact',
          network: 'eip155:84532',
          amount: '1000000',
          asset: '0x036CbD53842c5426634e7929541eC2318f3dCF7e',
          payTo: stack.manifest.accounts.merchant.address,
          maxTimeoutSeconds: 60,
          extra: { name: 'USDC', version: '2' },
        },
      ],
    })
    const seller = await listen(
      {
        fetch: () => new Response('{}', { status: 402, headers: { 'PAYMENT-REQUIRED': required } }),
      },
      0,
    )
    try {
      const result = await runCli(['pay', `${seller.url}/report`, '--manifest', sepoliaManifest], {
        env: { TOLLGATE_PRIVATE_KEY: stack.manifest.accounts.payer.privateKey },
      })
      expect(result.code).toBe(1)
      expect(result.stderr).toContain('price 1 USDC exceeds the per-payment cap of $0.1')
      expect(result.stderr).not.toContain('not a known asset')
    } finally {
      await seller.close()
    }
  })
})

describe('tollgate dev --chain-id', () => {
  it("takes any valid chain id, e.g. Base Sepolia's, not only a port-sized number", async () => {
    const manifestPath = join(workdir, 'chain-84532.json')
    const ports = ['--rpc-port', '0', '--facilitator-port', '0', '--api-port', '0']
    const dev = startCli([
      'dev',
      '--chain-id',
      '84532',
      ...ports,
      '--solana-port',
      '0',
      '--manifest',
      manifestPath,
    ])
    try {
      await waitFor(
        () => dev.output.stderr.includes('Press Ctrl-C') || dev.child.exitCode !== null,
        'the dev stack',
      )
      expect(dev.output.stderr).toContain('(eip155:84532)')
      expect(JSON.parse(await readFile(manifestPath, 'utf8'))).toMatchObject({
        network: 'eip155:84532',
        chainId: 84532,
      })
    } finally {
      dev.child.kill('SIGINT')
      await dev.exited
    }
    const refused = await runCli(['dev', '--chain-id', '0', '--manifest', manifestPath])
    expect(refused.code).toBe(1)
    expect(refused.stderr).toMatch(/chain id/)
  })
})

describe('tollgate wallet fund', () => {
  let manifestPath: string

  beforeAll(async () => {
    manifestPath = join(workdir, 'fund.json')
    await writeFile(manifestPath, JSON.stringify(stack.manifest))
  })

  it('gives an address test USDC and gas on the devnet', async () => {
    const address = privateKeyToAddress(generatePrivateKey())
    const result = await runCli([
      'wallet',
      'fund',
      '--address',
      address,
      '--usdc',
      '2.5',
      '--manifest',
      manifestPath,
      '--json',
    ])
    expect(result.code).toBe(0)
    expect(JSON.parse(result.stdout)).toMatchObject({
      address,
      native: { amount: '1' },
      token: { amount: '2.5', symbol: 'USDC' },
    })
    expect(await tokenBalance(stack.manifest, address)).toBe(2_500_000n)
  })

  it('refuses a chain that is not the devnet of the manifest', async () => {
    const other = join(workdir, 'other-chain.json')
    await writeFile(other, JSON.stringify({ ...stack.manifest, chainId: 8453 }))
    const address = privateKeyToAddress(generatePrivateKey())
    const result = await runCli(['wallet', 'fund', '--address', address, '--manifest', other])
    expect(result.code).toBe(1)
    expect(result.stderr).toContain(`${stack.manifest.rpcUrl} is not the devnet of ${other}`)
    expect(await tokenBalance(stack.manifest, address)).toBe(0n)
  })

  it('names the manifest it did not find', async () => {
    const missing = join(workdir, 'missing', 'dev.json')
    const result = await runCli([
      'wallet',
      'fund',
      '--address',
      ANVIL_ACCOUNTS[9].address,
      '--manifest',
      missing,
    ])
    expect(result.code).toBe(1)
    expect(result.stderr).toContain(`no manifest at ${missing}`)
  })
})

async function closedPort(): Promise<number> {
  const probe = await listen({ fetch: () => new Response() }, 0)
  await probe.close()
  return probe.port
}
