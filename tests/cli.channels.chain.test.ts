/**
 * Goal: an agent's channels are visible and its unused deposit comes back from the command line:
 * `tollgate pay` opens a channel on the example API's voucher route and pays with vouchers,
 * `tollgate wallet channels` lists it (deposited, claimed, unclaimed), `tollgate wallet withdraw`
 * starts the withdraw delay, refuses to finish early naming when it can, and after the delay
 * returns what the seller had not claimed by then (here all of it: a seller that does not claim
 * within the delay loses its charges, which is why the delay exists).
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
  it('lists the channel `tollgate pay` opened and withdraws what the seller had not claimed', async () => {
    const { manifest } = stack
    const payer = manifest.accounts.payer.address
    const before = await tokenBalance(manifest, payer)
    for (let i = 0; i < 3; i++) {
      const paid = await cli(['pay', `${manifest.exampleApiUrl}/joke`])
      expect(paid.code, paid.stderr).toBe(0)
      expect(paid.stderr).toMatch(/^paid 0\.001 USDC/m)
    }
    const deposited = before - (await tokenBalance(manifest, payer))
    expect(deposited).toBe(10_000n)

    const listed = await cli(['wallet', 'channels', '--json'])
    expect(listed.code, listed.stderr).toBe(0)
    const channels = JSON.parse(listed.stdout) as Array<{
      channelId: string
      deposited: string
      claimed: string
      unclaimed: string
    }>
    expect(channels).toHaveLength(1)
    // Nothing claimed yet: the seller holds three vouchers, and all ten prices are still in the channel.
    expect(channels[0]).toMatchObject({ deposited: '10000', claimed: '0', unclaimed: '10000' })
    const text = await cli(['wallet', 'channels'])
    expect(text.stdout).toContain(
      `${channels[0]!.channelId}  payee ${manifest.accounts.merchant.address}`,
    )
    expect(text.stdout).toContain('deposited 0.01 USDC')

    const started = await cli(['wallet', 'withdraw', channels[0]!.channelId])
    expect(started.code, started.stderr).toBe(0)
    expect(started.stderr).toMatch(
      /withdrawal started for 0\.01 USDC · tx 0x[0-9a-f]{64} · run this again after /,
    )
    const early = await cli(['wallet', 'withdraw', channels[0]!.channelId])
    expect(early.code).toBe(1)
    expect(early.stderr).toMatch(/the withdrawal can be finished after .* s from now\)/)

    const test = createTestClient({ mode: 'anvil', transport: http(manifest.rpcUrl) })
    await test.increaseTime({ seconds: 901 })
    await test.mine({ blocks: 1 })
    const finished = await cli(['wallet', 'withdraw', channels[0]!.channelId])
    expect(finished.code, finished.stderr).toBe(0)
    expect(finished.stderr).toMatch(/withdrawn 0\.01 USDC/)
    expect(await tokenBalance(manifest, payer)).toBe(before)
    expect(JSON.parse((await cli(['wallet', 'channels', '--json'])).stdout)).toEqual([])
    expect(await rpcClient(manifest.rpcUrl).getChainId()).toBe(manifest.chainId)
  }, 120_000)
})
