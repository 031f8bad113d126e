/**
 * Goal: an agent's channels are visible and its unused deposit comes back from the command line:
 * `tollgate pay` opens a channel on the example API's voucher route and pays with vouchers, the
 * example seller's claim timer claims and sweeps the charges, `tollgate wallet channels` lists the
 * channel (deposited, claimed, unclaimed), `tollgate wallet withdraw` starts the withdraw delay,
 * refuses to finish early naming when it can, and after the delay returns exactly what was never
 * charged: the payer is out three prices, the merchant has them.
 * Method: the dev stack with its manifest in a temporary folder; the built CLI with an empty HOME,
 * run from that folder; anvil's clock moved past the delay; balances read from the chain.
 */
import { mkdir, mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { writeManifest } from '@tollgate/manifest'
import { type DevStack, rpcClient } from 'tollgate'
import { createTestClient, http } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli } from './support/cli.ts'
import { startTestStack, tokenBalance } from './support/stack.ts'

let stack: DevStack
let folder: string
let env: NodeJS.ProcessEnv

beforeAll(async () => {
  stack = await startTestStack()
  folder = await mkdtemp(join(tmpdir(), 'tollgate-channels-cli-'))
  const home = join(folder, 'home')
  await mkdir(home)
  await writeManifest(join(folder, '.tollgate', 'dev.json'), stack.manifest)
  env = { HOME: home, TOLLGATE_PRIVATE_KEY: stack.manifest.accounts.payer.privateKey }
})
afterAll(() => stack?.stop())

const cli = (args: string[]) => runCli(args, { cwd: folder, env })

describe('tollgate wallet channels and withdraw', () => {
  it('lists the channel `tollgate pay` opened and withdraws what was never charged', async () => {
    const { manifest } = stack
    const payer = manifest.accounts.payer.address
    const before = await tokenBalance(manifest, payer)
    const merchantBefore = await tokenBalance(manifest, manifest.accounts.merchant.address)
    for (let i = 0; i < 3; i++) {
      const paid = await cli(['pay', `${manifest.exampleApiUrl}/joke`])
      expect(paid.code, paid.stderr).toBe(0)
      expect(paid.stderr).toMatch(/^paid 0\.001 USDC/m)
    }
    const deposited = before - (await tokenBalance(manifest, payer))
    expect(deposited).toBe(10_000n)

    // The example seller claims every few seconds: wait for its claim of the three charges.
    type Listed = Array<{
      channelId: string
      deposited: string
      claimed: string
      unclaimed: string
    }>
    let channels: Listed = []
    for (let attempt = 0; attempt < 60; attempt++) {
      const listed = await cli(['wallet', 'channels', '--json'])
      expect(listed.code, listed.stderr).toBe(0)
      channels = JSON.parse(listed.stdout) as Listed
      if (channels[0]?.claimed === '3000') break
      await new Promise((resolve) => setTimeout(resolve, 500))
    }
    expect(channels).toHaveLength(1)
    expect(channels[0]).toMatchObject({ deposited: '10000', claimed: '3000', unclaimed: '7000' })
    const text = await cli(['wallet', 'channels'])
    expect(text.stdout).toContain(
      `${channels[0]!.channelId}  payee ${manifest.accounts.merchant.address}`,
    )
    expect(text.stdout).toContain('deposited 0.01 USDC')

    const started = await cli(['wallet', 'withdraw', channels[0]!.channelId])
    expect(started.code, started.stderr).toBe(0)
    expect(started.stderr).toMatch(
      /withdrawal started for 0\.007 USDC · tx 0x[0-9a-f]{64} · run this again after /,
    )
    const early = await cli(['wallet', 'withdraw', channels[0]!.channelId])
    expect(early.code).toBe(1)
    expect(early.stderr).toMatch(/the withdrawal can be finished after .* s from now\)/)

    const test = createTestClient({ mode: 'anvil', transport: http(manifest.rpcUrl) })
    await test.increaseTime({ seconds: 901 })
    await test.mine({ blocks: 1 })
    const finished = await cli(['wallet', 'withdraw', channels[0]!.channelId])
    expect(finished.code, finished.stderr).toBe(0)
    expect(finished.stderr).toMatch(/withdrawn 0\.007 USDC/)
    expect(before - (await tokenBalance(manifest, payer))).toBe(3_000n)
    // The seller's run swept its claim to the merchant.
    let merchantGot = 0n
    for (let attempt = 0; attempt < 40 && merchantGot !== 3_000n; attempt++) {
      merchantGot =
        (await tokenBalance(manifest, manifest.accounts.merchant.address)) - merchantBefore
      if (merchantGot !== 3_000n) await new Promise((resolve) => setTimeout(resolve, 250))
    }
    expect(merchantGot).toBe(3_000n)
    expect(JSON.parse((await cli(['wallet', 'channels', '--json'])).stdout)).toEqual([])
    expect(await rpcClient(manifest.rpcUrl).getChainId()).toBe(manifest.chainId)
  }, 120_000)
})
