/**
 * The README's TypeScript snippets compile against the workspace sources; tests/packaged.chain
 * runs them with plain node against the packages as installed from their tarballs.
 */
import { execFile } from 'node:child_process'
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { beforeAll, describe, expect, it } from 'vitest'

const root = resolve(import.meta.dirname, '..')
const snippetDir = join(root, '.readme-snippets')
const run = promisify(execFile)

interface Snippet {
  file: string
  code: string
}

let snippets: Snippet[]

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
})

describe('README', () => {
  it('names the two commands and package.json has them', async () => {
    const readme = await readFile(join(root, 'README.md'), 'utf8')
    expect(readme).toContain('npm install && npm start')
    expect(readme).toContain('npm test')
    const scripts = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')).scripts
    expect(scripts.start).toBe('node examples/demo/dist/main.js')
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
})
