/**
 * Tollgate as a user installs it: every package packed, installed from the tarballs into a plain
 * project outside the repository, the installed CLI's dev stack started with an empty HOME, and
 * the README's snippets run there with plain `node` (no TypeScript loader) and type-checked as a
 * strict `nodenext` consumer would.
 */
import { execFile, spawn } from 'node:child_process'
import { cp, mkdtemp, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { readReceipt, wrapFetch } from '@tollgate/client'
import { exactEvmClient } from '@tollgate/evm'
import { type DevManifest, readManifest } from '@tollgate/manifest'
import { listen } from 'tollgate'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { waitFor } from './support/cli.ts'
import {
  type ConsumerProject,
  createConsumerProject,
  readmeBlocks,
  repoRoot,
} from './support/consumerProject.ts'
import { toolsListHandshake, toolsListId } from './support/mcpStdio.ts'
import { payerAccount } from './support/stack.ts'
import { type CommandResult, typeCommands } from './support/typedCommands.ts'

const run = promisify(execFile)
let project: ConsumerProject
let manifest: DevManifest
let stopStack: () => Promise<void>
let snippets: string[]

let devOutput = ''
const ports = { rpc: 0, facilitator: 0, api: 0, solana: 0 }

/** The environment of a new user: an empty HOME, none of the developer's Tollgate settings. */
function newUserEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [name, value] of Object.entries(process.env))
    if (!name.startsWith('TOLLGATE_')) env[name] = value
  return { ...env, HOME: project.home, NO_COLOR: '1', ...extra }
}

/** Another new user on the same machine: a HOME of their own, empty. */
async function anotherHome(): Promise<string> {
  return mkdtemp(join(project.home, '..', 'home-'))
}

beforeAll(async () => {
  project = await createConsumerProject()
  ports.rpc = await freePort()
  ports.facilitator = await freePort()
  ports.api = await freePort()
  ports.solana = await freePort()
  const dev = spawn(
    process.execPath,
    [
      join(project.dir, 'node_modules/tollgate/bin/tollgate.js'),
      'dev',
      ...['--rpc-port', String(ports.rpc), '--facilitator-port', String(ports.facilitator)],
      ...['--api-port', String(ports.api), '--solana-port', String(ports.solana)],
    ],
    { cwd: project.dir, env: newUserEnv() },
  )
  dev.stderr.on('data', (chunk) => {
    devOutput += chunk
  })
  const exited = new Promise((done) => dev.on('close', done))
  stopStack = async () => {
    dev.kill('SIGINT')
    await exited
  }
  await waitFor(
    () => devOutput.includes('Press Ctrl-C to stop.'),
    'the dev stack to be ready',
    90_000,
  ).catch((error: Error) => {
    throw new Error(`${error.message}:\n${devOutput}`)
  })
  manifest = await readManifest(join(project.dir, '.tollgate/dev.json'))
  snippets = await readmeBlocks('ts')
}, 240_000)
afterAll(async () => {
  await stopStack?.()
})

function snippet(marker: string): string {
  const found = snippets.find((code) => code.includes(marker))
  if (!found) throw new Error(`no README snippet contains ${marker}`)
  return found
}

/** Runs a README server snippet with plain node on a free port (its `PORT`). */
async function spawnSnippet(file: string) {
  const port = await freePort()
  const child = spawn(process.execPath, [file], {
    cwd: project.dir,
    env: { ...newUserEnv(), PORT: String(port) },
  })
  let stderr = ''
  child.stderr.on('data', (chunk) => {
    stderr += chunk
  })
  return { port, child, stderr: () => stderr }
}

/** Writes a README snippet into the project as JavaScript: the snippets are plain JS as well. */
async function asModule(name: string, code: string): Promise<string> {
  const file = join(project.dir, `${name}.mjs`)
  await writeFile(file, code)
  return file
}

const payer = () =>
  wrapFetch(fetch, {
    schemes: [
      exactEvmClient({
        signer: payerAccount(manifest),
        assets: { [manifest.network]: manifest.asset },
      }),
    ],
  })

describe('installed from the npm tarballs', () => {
  it('the installed facilitator serves the built dashboard', async () => {
    const page = await fetch(`${manifest.facilitatorUrl}/dashboard/`)
    expect(page.status).toBe(200)
    expect(await page.text()).toContain('<script')
  })

  it.each([
    ['Hono', "from '@tollgate/server/hono'\nimport { Hono }", '/joke'],
    ['Express', "from '@tollgate/server/express'", '/report'],
    ['Fastify', "from '@tollgate/server/fastify'", '/forecast'],
  ])('the README %s app, run with plain node, sells its route', async (name, marker, path) => {
    const file = await asModule(`readme-${name.toLowerCase()}`, snippet(marker))
    const { port, child, stderr } = await spawnSnippet(file)
    try {
      const url = `http://127.0.0.1:${port}${path}`
      await waitFor(
        async () => (await fetch(url).catch(() => undefined))?.status === 402,
        `${url} to answer 402 (stderr: ${stderr()})`,
      )
      const response = await payer()(url)
      expect(response.status).toBe(200)
      expect(readReceipt(response)?.success).toBe(true)
    } finally {
      child.kill()
    }
  })

  it('the README agent snippet, run with plain node, pays the example API', async () => {
    const file = await asModule('readme-agent', snippet('wrapFetch(fetch'))
    const { stdout } = await run(process.execPath, [file], { cwd: project.dir, env: newUserEnv() })
    expect(stdout).toMatch(/^200 \{/)
    expect(stdout).toMatch(/settled in 0x[0-9a-f]{64}/)
  })

  it('the README paidTools snippet, run with plain node, sells its tool to a paying agent', async () => {
    await asModule('readme-mcp', snippet('paidTools({'))
    const driver = await asModule(
      'readme-mcp-driver',
      `import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js'
import { exactEvmClient } from '@tollgate/evm'
import { readManifest } from '@tollgate/manifest'
import { callPaidTool } from '@tollgate/mcp'
import { privateKeyToAccount } from 'viem/accounts'
import { server } from './readme-mcp.mjs'

const dev = await readManifest('.tollgate/dev.json')
const [clientSide, serverSide] = InMemoryTransport.createLinkedPair()
await server.connect(serverSide)
const client = new Client({ name: 'agent', version: '1.0.0' })
await client.connect(clientSide)
const unpaid = await client.callTool({ name: 'quote', arguments: { symbol: 'AAPL' } })
const paid = await callPaidTool(client, { name: 'quote', arguments: { symbol: 'AAPL' } }, {
  schemes: [exactEvmClient({ signer: privateKeyToAccount(dev.accounts.payer.privateKey), assets: { [dev.network]: dev.asset } })],
})
console.log(JSON.stringify({ unpaid, paid }))
await client.close()
`,
    )
    const { stdout } = await run(process.execPath, [driver], {
      cwd: project.dir,
      env: newUserEnv(),
    })
    const { unpaid, paid } = JSON.parse(stdout)
    expect(unpaid.isError).toBe(true)
    expect(unpaid.structuredContent.accepts[0].network).toBe(manifest.network)
    expect(paid.result.content[0].text).toBe('AAPL: 123.45')
    expect(paid.outcome.state).toBe('settled')
    expect(paid.receipt.transaction).toMatch(/^0x[0-9a-f]{64}$/)
  })

  it('the README merchant agent, run with plain node, is hired and paid by the README hiring snippet', async () => {
    const merchant = await asModule('readme-a2a-merchant', snippet('paidAgentExecutor({'))
    const hirer = await asModule('readme-a2a-hire', snippet('hireAgent(agent'))
    const { port, child, stderr } = await spawnSnippet(merchant)
    try {
      const card = `http://127.0.0.1:${port}/.well-known/agent-card.json`
      await waitFor(
        async () => (await fetch(card).catch(() => undefined))?.status === 200,
        `${card} to answer (stderr: ${stderr()})`,
      )
      const { stdout } = await run(process.execPath, [hirer], {
        cwd: project.dir,
        env: { ...newUserEnv(), AGENT_URL: `http://127.0.0.1:${port}/` },
      })
      expect(stdout).toMatch(
        /^Here is your haiku\.\nWhat is the weather in Lisbon\?\nwritten, paid/,
      )
      expect(stdout).toMatch(/settled in 0x[0-9a-f]{64}/)
    } finally {
      child.kill()
    }
  })

  it('a strict nodenext TypeScript consumer type-checks every entry point and snippet', async () => {
    const entries = Object.keys(project.dependencies).filter((name) => name.includes('tollgate'))
    const subpaths = ['hono', 'express', 'fastify', 'next'].map(
      (name) => `@tollgate/server/${name}`,
    )
    const imports = [...entries, ...subpaths].map(
      (name, index) => `import * as entry${index} from '${name}'`,
    )
    await writeFile(
      join(project.dir, 'entries.ts'),
      `${imports.join('\n')}\nexport const entries = [${imports.map((_, index) => `entry${index}`).join(', ')}]\n`,
    )
    for (const [index, code] of snippets.entries())
      await writeFile(join(project.dir, `snippet-${index + 1}.ts`), code)
    await writeFile(
      join(project.dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          module: 'nodenext',
          moduleResolution: 'nodenext',
          target: 'es2022',
          noEmit: true,
          skipLibCheck: false,
          types: ['node'],
        },
        include: ['*.ts'],
      }),
    )
    const result = await run(
      process.execPath,
      [join(repoRoot, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'],
      { cwd: project.dir },
    ).catch((error: { stdout: string }) => error)
    expect(result.stdout).toBe('')
  }, 120_000)
})

/** What every command must honour, whatever it does: no stack trace, no secret in its output. */
function expectClean(result: CommandResult): void {
  const output = result.stdout + result.stderr
  expect(output, result.command).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m)
  expect(output, result.command).not.toContain(manifest.accounts.payer.privateKey.slice(2))
  expect(output, result.command).not.toContain(manifest.solana.payer.secretKey)
  if (result.code !== 0) expect(result.stderr, result.command).toMatch(/^error: \S/m)
}

describe('the README commands, as a new user types them', () => {
  it('every `npx tollgate` line works from the project with an empty HOME, or says why not', async () => {
    await cp(join(repoRoot, 'config'), join(project.dir, 'config'), { recursive: true })
    const blocks = (await readmeBlocks('bash')).filter(
      (block) => block.includes('npx tollgate') && block.trim() !== 'npx tollgate dev',
    )
    const lines = blocks.flatMap((block) =>
      block.split('\n').filter((line) => /^(npx tollgate|export) /.test(line)),
    )
    const results = await typeCommands(
      project.dir,
      ports,
      lines,
      newUserEnv({ TOLLGATE_KEYSTORE_PASSWORD: 'a new user password' }),
    )
    expect(results.length).toBeGreaterThanOrEqual(12)
    for (const result of results) {
      expectClean(result)
      const { command, code, stdout, stderr } = result
      if (command.includes('--max 0.0005')) {
        expect({ command, code }).toEqual({ command, code: 1 })
        expect(stderr).toMatch(/refused to pay .* exceeds the per-payment cap/)
        expect(stderr).toContain('--max-payment')
      } else if (command.includes('sepolia.base.org')) {
        // Base Sepolia from a machine that may have no internet: an answer, or the host named.
        if (code !== 0) expect(stderr).toContain('https://sepolia.base.org')
      } else if (command.includes('tollgate facilitator')) {
        // The README's placeholders (`0x…`, `…`) are not keys: refused, naming what is wrong.
        expect({ command, code }).not.toEqual({ command, code: 0 })
        expect(stderr).toMatch(
          /FACILITATOR_PRIVATE_KEY|SOLANA_FEE_PAYER_KEY|KITE_TESTNET_TOKEN_ADDRESS/,
        )
      } else {
        expect({ command, code, stderr }).toEqual({ command, code: 0, stderr })
        if (command.includes('tollgate pay')) expect(stderr).toMatch(/^paid /m)
        if (command.includes('tollgate discover weather '))
          expect(stdout).toContain(`${manifest.exampleApiUrl}/weather`)
      }
    }
  }, 240_000)

  it('the lines `tollgate dev` prints under "Try it" work as printed', async () => {
    const tryIt = devOutput.slice(devOutput.indexOf('Try it'), devOutput.indexOf('Press Ctrl-C'))
    const lines = tryIt
      .split('\n')
      .filter((line) => /^\s+(export|npx) /.test(line))
      .filter((line) => !line.includes('tollgate mcp'))
    expect(lines.length).toBeGreaterThanOrEqual(5)
    const results = await typeCommands(
      project.dir,
      ports,
      lines,
      newUserEnv({ TOLLGATE_KEYSTORE_PASSWORD: 'another password', HOME: await anotherHome() }),
    )
    for (const result of results) {
      expectClean(result)
      expect({ command: result.command, code: result.code, stderr: result.stderr }).toEqual({
        command: result.command,
        code: 0,
        stderr: result.stderr,
      })
    }
  }, 240_000)

  it('`tollgate mcp` as printed lists its tools and pays with its fetch tool, with an empty HOME', async () => {
    const home = await anotherHome()
    const child = spawn(
      process.execPath,
      [join(project.dir, 'node_modules/tollgate/bin/tollgate.js'), 'mcp', '--daily-budget', '1'],
      {
        cwd: project.dir,
        env: newUserEnv({ HOME: home, TOLLGATE_PRIVATE_KEY: manifest.accounts.payer.privateKey }),
      },
    )
    let stdout = ''
    child.stdout.on('data', (chunk) => {
      stdout += chunk
    })
    const answer = async (id: number) => {
      await waitFor(() => stdout.includes(`"id":${id}`), `the answer to message ${id}`)
      return stdout
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line))
        .find((message) => message.id === id)
    }
    child.stdin.write(toolsListHandshake('test'))
    try {
      const listed = await answer(toolsListId)
      const names = listed.result.tools.map((tool: { name: string }) => tool.name)
      expect(names).toEqual(expect.arrayContaining(['fetch', 'balance', 'spending']))
      const call = { name: 'fetch', arguments: { url: `${manifest.exampleApiUrl}/weather` } }
      child.stdin.write(
        `${JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'tools/call', params: call })}\n`,
      )
      const fetched = await answer(3)
      expect(fetched.result.isError ?? false).toBe(false)
      expect(JSON.stringify(fetched.result.content)).toContain('temperatureC')
      // The spending journal's folder was made on first use, private to the user.
      expect((await stat(join(home, '.tollgate'))).mode & 0o777).toBe(0o700)
      expect((await stat(join(home, '.tollgate/spending/journal.jsonl'))).isFile()).toBe(true)
    } finally {
      child.kill()
    }
  })
})

async function freePort(): Promise<number> {
  const probe = await listen({ fetch: () => new Response() }, 0)
  await probe.close()
  return probe.port
}
