/**
 * `tollgate agent register | show | feedback | reputation` as a user runs them: the built CLI, an
 * empty HOME, a folder outside the repository, the dev stack's manifest, keys from the
 * environment only, and every line it prints read for what it says.
 */
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ANVIL_ACCOUNTS } from '@tollgate/devnet'
import type { DevStack } from 'tollgate'
import { type Hex, isHex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type CliResult, runCli } from './support/cli.ts'
import {
  facilitatorBody,
  postFacilitator,
  signPayment,
  startTestStack,
  weatherRequirements,
} from './support/stack.ts'

const agentKey = ANVIL_ACCOUNTS[5]!.privateKey
const reviewerKey = ANVIL_ACCOUNTS[7]!.privateKey
const reviewer = privateKeyToAccount(reviewerKey)

let stack: DevStack
let workdir: string
let manifestPath: string

beforeAll(async () => {
  stack = await startTestStack()
  workdir = await mkdtemp(join(tmpdir(), 'tollgate-agent-cli-'))
  manifestPath = join(workdir, 'dev.json')
  await writeFile(manifestPath, JSON.stringify(stack.manifest))
})
afterAll(() => stack?.stop())

function agent(args: string[], key?: Hex): Promise<CliResult> {
  return runCli(['agent', ...args, '--manifest', manifestPath], {
    cwd: workdir,
    env: { HOME: join(workdir, 'home'), TOLLGATE_PRIVATE_KEY: key ?? '' },
  })
}

function clean(result: CliResult, ...secrets: Hex[]): void {
  const output = `${result.stdout}\n${result.stderr}`.toLowerCase()
  for (const secret of secrets) expect(output).not.toContain(secret.slice(2).toLowerCase())
  expect(result.stderr).not.toMatch(/^\s+at /m)
}

describe('tollgate agent', () => {
  let agentId: string

  it('registers an agent with its file on the dev content store and its own key as wallet', async () => {
    const result = await agent(
      [
        'register',
        '--name',
        'weather-bot',
        '--x402',
        `${stack.manifest.exampleApiUrl}/weather`,
        '--set-wallet',
        '--json',
      ],
      agentKey,
    )
    clean(result, agentKey)
    expect(result.code).toBe(0)
    const registered = JSON.parse(result.stdout)
    agentId = registered.agentId
    expect(registered.agentURI).toMatch(
      new RegExp(`^${stack.manifest.exampleApiUrl}/content/0x[0-9a-f]{64}\\.json$`),
    )
    expect(registered.transactions.every((hash: string) => isHex(hash))).toBe(true)

    const shown = await agent(['show', agentId])
    expect(shown.code).toBe(0)
    expect(shown.stdout).toContain('weather-bot')
    expect(shown.stdout).toContain(`wallet    ${privateKeyToAccount(agentKey).address}`)
    expect(shown.stdout).toContain(`service   web ${stack.manifest.exampleApiUrl}/weather`)
  })

  it('rates it on a settled payment and reads the reputation over the named reviewer', async () => {
    const requirements = weatherRequirements(stack.manifest)
    const payload = await signPayment(stack.manifest, requirements)
    const settled = await postFacilitator(
      stack.manifest,
      '/settle',
      facilitatorBody(payload, requirements),
    )
    const rated = await agent(
      [
        'feedback',
        agentId,
        '--value',
        '92.5',
        '--tag1',
        'x402',
        '--tx',
        String(settled.body.transaction),
      ],
      reviewerKey,
    )
    clean(rated, reviewerKey)
    expect(rated.code).toBe(0)
    expect(rated.stdout).toContain(`rated agent ${agentId} 92.5`)
    expect(rated.stdout).toContain(
      `payment   ${settled.body.transaction} (${stack.manifest.accounts.payer.address}`,
    )

    const reputation = await agent(['reputation', agentId, '--reviewer', reviewer.address])
    expect(reputation.code).toBe(0)
    expect(reputation.stdout.trim()).toBe(
      `agent ${agentId}: 92.5 over 1 rating by 1 trusted reviewer`,
    )
  })

  it('says what is wrong, with the cause and what to do', async () => {
    const noKey = await agent(['register', '--name', 'x'])
    expect(noKey.code).toBe(1)
    expect(noKey.stderr).toContain('no key to sign with')
    clean(noKey)
    const unknown = await agent(['show', '999'])
    expect(unknown.code).toBe(1)
    expect(unknown.stderr).toContain('agent 999 is not registered')
    const selfRating = await agent(['feedback', agentId, '--value', '100'], agentKey)
    expect(selfRating.code).toBe(1)
    expect(selfRating.stderr).toMatch(/giveFeedback would revert: .*[Ss]elf/)
    clean(selfRating, agentKey)
    const noStack = await runCli(['agent', 'show', '0', '--manifest', join(workdir, 'none.json')], {
      cwd: workdir,
      env: { HOME: join(workdir, 'home') },
    })
    expect(noStack.code).toBe(1)
    expect(noStack.stderr).toContain('no ERC-8004 registries to use')
    expect(noStack.stderr).toContain('tollgate dev')
  })
})
