/**
 * The README's TypeScript snippets are compiled, and those that run against a devnet are run:
 * the agent snippet pays the example API, the server snippets start and sell a route.
 */
import { execFile, spawn } from 'node:child_process'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { promisify } from 'node:util'
import { readReceipt, wrapFetch } from '@tollgate/client'
import { exactEvmClient } from '@tollgate/evm'
import { type DevStack, listen } from 'tollgate'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { waitFor } from './support/cli.ts'
import { payerAccount, startTestStack } from './support/stack.ts'

const root = resolve(import.meta.dirname, '..')
const snippetDir = join(root, '.readme-snippets')
const run = promisify(execFile)
/** The tsx loader by path: the snippets run from a folder without node_modules. */
const tsxLoader = pathToFileURL(join(root, 'node_modules/tsx/dist/loader.mjs')).href

interface Snippet {
  file: string
  code: string
}

let snippets: Snippet[]
let stack: DevStack
let workdir: string

beforeAll(async () => {
  const readme = await readFile(join(root, 'README.md'), 'utf8')
  const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1]!)
  await rm(snippetDir, { recursive: true, force: true })
  await mkdir(snippetDir, { recursive: true })
  snippets = await Promise.all(
    blocks.map(async (code, index) => {
      const file = join(snippetDir, `snippet-${index + 1}.ts`)
      await writeFile(file, `${code}\nexport {}\n`)
      return { file, code }
    }),
  )
  stack = await startTestStack()
  workdir = await mkdtemp(join(tmpdir(), 'tollgate-readme-'))
  await mkdir(join(workdir, '.tollgate'))
  await writeFile(join(workdir, '.tollgate', 'dev.json'), JSON.stringify(stack.manifest))
})
afterAll(() => stack?.stop())

const snippet = (marker: string) => {
  const found = snippets.find((candidate) => candidate.code.includes(marker))
  if (!found) throw new Error(`no README snippet contains ${marker}`)
  return found
}

describe('README', () => {
  it('names the two commands and package.json has them', async () => {
    const readme = await readFile(join(root, 'README.md'), 'utf8')
    expect(readme).toContain('npm install && npm start')
    expect(readme).toContain('npm test')
    const scripts = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')).scripts
    expect(scripts.start).toBe('tollgate demo')
    expect(scripts.test).toContain('vitest run')
  })

  it('every TypeScript snippet type-checks', async () => {
    expect(snippets.length).toBeGreaterThanOrEqual(4)
    const tsconfig = join(snippetDir, 'tsconfig.json')
    await writeFile(tsconfig, JSON.stringify({ extends: '../tsconfig.json', include: ['./*.ts'] }))
    const result = await run(
      process.execPath,
      [join(root, 'node_modules/typescript/bin/tsc'), '-p', tsconfig],
      {
        cwd: root,
      },
    ).catch((error: { stdout: string }) => error)
    expect('stdout' in result ? result.stdout : '').toBe('')
  })

  it('the agent snippet pays the example API', async () => {
    const { stdout } = await run(
      process.execPath,
      ['--import', tsxLoader, snippet('wrapFetch(fetch').file],
      { cwd: workdir },
    )
    expect(stdout).toMatch(/^200 \{/)
    expect(stdout).toMatch(/settled in 0x[0-9a-f]{64}/)
  })

  it.each([
    ['Hono', "from '@tollgate/server/hono'\nimport { Hono }", '/joke'],
    ['Express', "from '@tollgate/server/express'", '/report'],
  ])('the %s snippet sells its route', async (_, marker, path) => {
    const port = await freePort()
    const child = spawn(process.execPath, ['--import', tsxLoader, snippet(marker).file], {
      cwd: workdir,
      env: { ...process.env, PORT: String(port) },
    })
    try {
      const url = `http://127.0.0.1:${port}${path}`
      await waitFor(
        async () => (await fetch(url).catch(() => undefined))?.status === 402,
        `${url} to answer 402`,
      )
      const pay = wrapFetch(fetch, {
        schemes: [
          exactEvmClient({
            signer: payerAccount(stack.manifest),
            assets: { [stack.manifest.network]: stack.manifest.asset },
          }),
        ],
      })
      const response = await pay(url)
      expect(response.status).toBe(200)
      expect(readReceipt(response)?.success).toBe(true)
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
