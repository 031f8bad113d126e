/**
 * `tollgate a2a send`, `tollgate mandate` and the wallet's `hire_agent` MCP tool as a user runs
 * them: the built CLI, an empty HOME, a folder outside the repository, the dev stack's merchant
 * agent at `/a2a/`. Then one daily budget in one spending store, spent at once by an HTTP payer,
 * an MCP wallet and an A2A client in separate processes: together they cannot pass it.
 */
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Client } from '@modelcontextprotocol/sdk/client/index.js'
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import type { DevStack } from 'tollgate'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type CliResult, runCli } from './support/cli.ts'
import { connectWalletOverStdio } from './support/mcpStdio.ts'
import { freePort } from './support/spawnPaidServer.ts'
import { startTestStack, transferCount } from './support/stack.ts'

let stack: DevStack
let workdir: string
let agentUrl: string
const clients: Client[] = []

beforeAll(async () => {
  stack = await startTestStack()
  workdir = await mkdtemp(join(tmpdir(), 'tollgate-a2a-cli-'))
  await writeFile(join(workdir, 'dev.json'), JSON.stringify(stack.manifest))
  agentUrl = `${stack.manifest.exampleApiUrl}/a2a/`
})
afterAll(async () => {
  for (const client of clients) await client.close()
  await stack?.stop()
})

const key = () => stack.manifest.accounts.payer.privateKey
const debits = () =>
  transferCount(
    stack.manifest,
    stack.manifest.accounts.payer.address,
    stack.manifest.accounts.merchant.address,
  )

function cli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  // `mandate` needs no chain, so it takes no manifest.
  const manifest = args[0] === 'mandate' ? [] : ['--manifest', join(workdir, 'dev.json')]
  return runCli([...args, ...manifest], {
    cwd: workdir,
    env: { HOME: join(workdir, 'home'), TOLLGATE_PRIVATE_KEY: key(), ...env },
  })
}

function clean(result: CliResult): void {
  const output = `${result.stdout}\n${result.stderr}`.toLowerCase()
  expect(output).not.toContain(key().slice(2).toLowerCase())
  expect(result.stderr).not.toMatch(/^\s+at /m)
}

describe('tollgate a2a send', () => {
  it('hires the dev merchant agent, pays, and prints the answer and the payment', async () => {
    const before = await debits()
    const result = await cli(['a2a', 'send', agentUrl, 'What is the weather in Oslo?'])
    clean(result)
    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(/^Oslo: -?\d+°C, [a-z ]+\./)
    expect(result.stderr).toMatch(/task [0-9a-f-]{36}: completed/)
    expect(result.stderr).toMatch(/paid 0\.001 USDC on eip155:\d+ · tx 0x[0-9a-f]{64}/)
    expect(await debits()).toBe(before + 1)
  })

  it('refuses a price over the cap before signing, saying how to raise it', async () => {
    const before = await debits()
    const result = await cli([
      'a2a',
      'send',
      agentUrl,
      'Weather in Lima?',
      '--max-payment',
      '0.0001',
    ])
    clean(result)
    expect(result.code).toBe(1)
    expect(result.stderr).toContain('exceeds the per-payment cap of $0.0001')
    expect(result.stderr).toContain('--max-payment')
    expect(await debits()).toBe(before)
  })

  it('names the address and the cause when no agent answers', async () => {
    const port = await freePort()
    const result = await cli(['a2a', 'send', `http://127.0.0.1:${port}/a2a`, 'hello'])
    clean(result)
    expect(result.code).toBe(1)
    expect(result.stderr).toContain(`cannot reach http://127.0.0.1:${port}/a2a`)
    expect(result.stderr).toContain('connection refused: nothing listens there (ECONNREFUSED)')
    expect(result.stderr).toContain('agent-card.json')
  })
})

describe('tollgate mandate', () => {
  it('creates a mandate whose budget holds across separate runs', async () => {
    const merchant = stack.manifest.accounts.merchant.address
    const created = await cli([
      'mandate',
      'create',
      '--budget',
      '0.002',
      '--max',
      '0.001',
      '--payee',
      merchant,
      '--out',
      'm.sdjwt',
    ])
    clean(created)
    expect(created.code).toBe(0)
    expect(created.stderr).toContain('budget 0.002 USDC · each payment at most 0.001 USDC')
    expect(created.stderr).toMatch(/created key .*home\/\.tollgate\/mandate-agent\.jwk/)
    const shown = await cli(['mandate', 'show', 'm.sdjwt'])
    expect(shown.stdout).toMatch(/^mandate\.payment\.open\.1 · signature valid · valid until /)
    const before = await debits()
    const runs: CliResult[] = []
    for (const city of ['Rome', 'Pisa', 'Bari'])
      runs.push(await cli(['a2a', 'send', agentUrl, `Weather in ${city}?`, '--mandate', 'm.sdjwt']))
    expect(runs.map((run) => run.code)).toEqual([0, 0, 1])
    expect(runs[2]!.stderr).toContain('over its budget of 0.002 USDC')
    expect(await debits()).toBe(before + 2)
    const elsewhere = await cli([
      'mandate',
      'create',
      '--budget',
      '1',
      '--payee',
      '0x000000000000000000000000000000000000dEaD',
      '--out',
      'other.sdjwt',
    ])
    expect(elsewhere.code).toBe(0)
    const refused = await cli([
      'a2a',
      'send',
      agentUrl,
      'Weather in Turin?',
      '--mandate',
      'other.sdjwt',
    ])
    expect(refused.code).toBe(1)
    expect(refused.stderr).toContain('is not a payee the mandate allows')
    expect(await debits()).toBe(before + 2)
  })
})

async function wallet(extraEnv: Record<string, string>, flags: string[]): Promise<Client> {
  const client = await connectWalletOverStdio(['--manifest', join(workdir, 'dev.json'), ...flags], {
    HOME: join(workdir, 'home'),
    TOLLGATE_PRIVATE_KEY: key(),
    ...extraEnv,
  })
  clients.push(client)
  return client
}

function text(result: CallToolResult): string {
  return result.content.map((block) => (block.type === 'text' ? block.text : '')).join('\n')
}

describe('the wallet over MCP', () => {
  it('hires another agent with hire_agent', async () => {
    const client = await wallet({ TOLLGATE_SPEND_STORE: join(workdir, 'mcp-spending') }, [
      '--max-payment',
      '0.01',
    ])
    const before = await debits()
    const result = (await client.callTool({
      name: 'hire_agent',
      arguments: { url: agentUrl, text: 'Weather in Accra?' },
    })) as CallToolResult
    expect(result.isError).toBeFalsy()
    expect(text(result)).toMatch(/^Accra: -?\d+°C/)
    expect(result.structuredContent).toMatchObject({
      payment: { state: 'settled', amount: '0.001 USDC' },
    })
    expect(JSON.stringify(result).toLowerCase()).not.toContain(key().slice(2).toLowerCase())
    expect(await debits()).toBe(before + 1)
  })
})

describe('one budget across HTTP, MCP and A2A', () => {
  it('three kinds of payer in separate processes on one store cannot together pass it', async () => {
    const env = { TOLLGATE_SPEND_STORE: join(workdir, 'shared-spending') }
    const limits = ['--max-payment', '0.001', '--daily-budget', '0.005']
    const mcp = await wallet(env, limits)
    const before = await debits()
    const api = stack.manifest.exampleApiUrl
    const attempts = await Promise.all([
      ...['Oslo', 'Bern', 'Kyiv', 'Riga'].map((city) =>
        cli(['pay', `${api}/weather?city=${city}`, ...limits], env).then((run) => run.code === 0),
      ),
      ...['Lima', 'Quito', 'Cusco', 'Salta'].map((city) =>
        cli(['a2a', 'send', agentUrl, `Weather in ${city}?`, ...limits], env).then(
          (run) => run.code === 0,
        ),
      ),
      ...['Nice', 'Lyon', 'Metz', 'Caen'].map((city) =>
        mcp
          .callTool({
            name: 'call_paid_tool',
            arguments: { server: `${api}/mcp`, tool: 'forecast', arguments: { city } },
          })
          .then((result) => !(result as CallToolResult).isError),
      ),
    ])
    const served = attempts.filter(Boolean).length
    expect(served).toBe(5)
    expect(await debits()).toBe(before + 5)
  })
})
