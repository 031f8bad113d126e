/**
 * A plain project outside the repository with every package installed from its `npm pack`
 * tarball, the way a user gets them from the registry.
 */
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)
export const repoRoot = resolve(import.meta.dirname, '../..')

export interface ConsumerProject {
  dir: string
  /** An empty home folder for the commands a new user runs. */
  home: string
  /** What the project depends on, by name: the tarballs and the frameworks the README uses. */
  dependencies: Record<string, string>
}

/** The third-party packages the README's snippets import, at the versions the repository uses. */
const snippetDependencies = [
  'hono',
  '@hono/node-server',
  'express',
  'fastify',
  'viem',
  'zod',
  '@modelcontextprotocol/sdk',
  '@a2a-js/sdk',
  '@types/node',
  '@types/express',
]

export async function createConsumerProject(): Promise<ConsumerProject> {
  const built = join(repoRoot, 'packages/core/dist/index.js')
  if (!existsSync(built))
    throw new Error(`${built} is missing: run \`npm run build\` (npm test does) before this test`)
  const base = await mkdtemp(join(tmpdir(), 'tollgate-consumer-'))
  const packs = join(base, 'packs')
  const dir = join(base, 'project')
  const home = join(base, 'home')
  await Promise.all([mkdir(packs), mkdir(dir), mkdir(home)])
  // The published packages only: the examples are private workspaces, copied, not installed.
  const workspaces = (await readdir(join(repoRoot, 'packages'))).flatMap((name) => [
    '--workspace',
    `packages/${name}`,
  ])
  await run('npm', ['pack', ...workspaces, '--pack-destination', packs, '--ignore-scripts'], {
    cwd: repoRoot,
    maxBuffer: 16 * 1024 * 1024,
  })
  const tarballs: Record<string, string> = {}
  for (const file of await readdir(packs)) {
    const name =
      file === 'tollgate-0.1.0.tgz'
        ? 'tollgate'
        : `@tollgate/${file.replace(/^tollgate-/, '').replace(/-0\.1\.0\.tgz$/, '')}`
    tarballs[name] = `file:${join(packs, file)}`
  }
  const versions = await repositoryVersions()
  const dependencies = {
    ...tarballs,
    ...Object.fromEntries(snippetDependencies.map((name) => [name, versions[name] ?? '*'])),
  }
  await writeFile(
    join(dir, 'package.json'),
    JSON.stringify(
      // The tarballs name each other by version; overrides make npm take them, not the registry.
      { name: 'consumer', private: true, type: 'module', dependencies, overrides: tarballs },
      null,
      2,
    ),
  )
  await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline'], {
    cwd: dir,
    maxBuffer: 16 * 1024 * 1024,
  })
  return { dir, home, dependencies }
}

/** The version ranges the repository's own package.json files give each dependency. */
async function repositoryVersions(): Promise<Record<string, string>> {
  const manifests = [join(repoRoot, 'package.json')]
  for (const name of await readdir(join(repoRoot, 'packages')))
    manifests.push(join(repoRoot, 'packages', name, 'package.json'))
  const versions: Record<string, string> = {}
  for (const file of manifests) {
    const json = JSON.parse(await readFile(file, 'utf8')) as Record<
      string,
      Record<string, string> | undefined
    >
    Object.assign(versions, json.devDependencies, json.dependencies)
  }
  return versions
}

/** The README's fenced blocks of one language, in order. */
export async function readmeBlocks(language: 'ts' | 'bash'): Promise<string[]> {
  const readme = await readFile(join(repoRoot, 'README.md'), 'utf8')
  return [...readme.matchAll(new RegExp(`\`\`\`${language}\\n([\\s\\S]*?)\`\`\``, 'g'))].map(
    (match) => match[1]!,
  )
}
