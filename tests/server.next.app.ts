/**
 * Builds and starts the Next.js fixture app (tests/fixtures/next-app) with Next's own CLI, in
 * production mode. Next compiles the route files and resolves `@tollgate/server/next` through the
 * package exports to the compiled `dist/`, so the packages it bundles are built first. A build is
 * reused while its inputs are unchanged, and test files that start the app at the same time wait
 * for one build.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join, relative, resolve } from 'node:path'
import { promisify } from 'node:util'

const root = resolve(import.meta.dirname, '..')
export const nextAppDir = join(root, 'tests/fixtures/next-app')
const nextBin = join(root, 'node_modules/next/dist/bin/next')
const tscBin = join(root, 'node_modules/typescript/bin/tsc')
const distDir = join(nextAppDir, '.next')
const stampFile = join(distDir, 'tollgate-inputs.sha256')
const lockDir = join(nextAppDir, '.next-build.lock')
/** What the fixture bundles: a change in any of them needs a new build. */
const bundledPackages = ['core', 'evm', 'paywall', 'server']
const run = promisify(execFile)

/** Next's own environment: production mode, no telemetry (the machine has no internet). */
const nextEnv = { NODE_ENV: 'production', NEXT_TELEMETRY_DISABLED: '1' } as const

/** Builds the fixture app unless the last build had the same inputs. */
export async function buildNextApp(): Promise<void> {
  await withBuildLock(async () => {
    // The server build also builds core and paywall, which it references.
    await run(
      process.execPath,
      [tscBin, '-b', 'packages/server/tsconfig.build.json', 'packages/evm/tsconfig.build.json'],
      { cwd: root },
    )
    const inputs = await inputsHash()
    if ((await readFile(stampFile, 'utf8').catch(() => '')) === inputs) return
    try {
      await inScratchDir((cwd) =>
        run(process.execPath, [nextBin, 'build', nextAppDir], {
          cwd,
          env: { ...process.env, ...nextEnv },
          maxBuffer: 16 * 1024 * 1024,
        }),
      )
    } finally {
      // Next writes type references beside the app; the repository typecheck must not see them.
      await rm(join(nextAppDir, 'next-env.d.ts'), { force: true })
    }
    await writeFile(stampFile, inputs)
  })
}

export interface NextApp {
  url: string
  stop(): Promise<void>
}

/** Starts the built app on a free port with the given settings, ready when it serves `/free`. */
export async function startNextApp(env: Record<string, string>): Promise<NextApp> {
  const port = await freePort()
  const cwd = await mkdtemp(join(tmpdir(), 'tollgate-next-'))
  const child = spawn(
    process.execPath,
    [nextBin, 'start', nextAppDir, '--hostname', '127.0.0.1', '--port', String(port)],
    { cwd, env: { ...process.env, ...nextEnv, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
  )
  let output = ''
  child.stdout?.on('data', (chunk) => {
    output += chunk
  })
  child.stderr?.on('data', (chunk) => {
    output += chunk
  })
  const url = `http://127.0.0.1:${port}`
  const stop = async () => {
    await stopChild(child)
    await rm(cwd, { recursive: true, force: true })
  }
  try {
    await waitUntilServing(`${url}/free`, child, () => output)
  } catch (error) {
    await stop()
    throw error
  }
  return { url, stop }
}

async function waitUntilServing(
  url: string,
  child: ChildProcess,
  output: () => string,
): Promise<void> {
  const deadline = Date.now() + 30_000
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`next start exited:\n${output()}`)
    const response = await fetch(url).catch(() => undefined)
    if (response?.status === 200) return
    await new Promise((done) => setTimeout(done, 100))
  }
  throw new Error(`next start did not serve ${url} within 30 s:\n${output()}`)
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((done) => {
    child.once('exit', () => done())
    child.kill('SIGTERM')
  })
}

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer()
    server.once('error', fail)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address ? address.port : 0
      server.close(() => done(port))
    })
  })
}

/** Next keeps its preferences in `./cache` of the working directory: a scratch one, not ours. */
async function inScratchDir<T>(work: (cwd: string) => Promise<T>): Promise<T> {
  const cwd = await mkdtemp(join(tmpdir(), 'tollgate-next-'))
  try {
    return await work(cwd)
  } finally {
    await rm(cwd, { recursive: true, force: true })
  }
}

/** The fixture's sources, the compiled packages it bundles, and Next's version, hashed. */
async function inputsHash(): Promise<string> {
  const hash = createHash('sha256')
  const files = [
    ...(await filesUnder(nextAppDir, ['app', 'lib'])),
    join(nextAppDir, 'next.config.mjs'),
    join(nextAppDir, 'tsconfig.json'),
    join(root, 'node_modules/next/package.json'),
    ...(
      await Promise.all(
        bundledPackages.map((name) => filesUnder(join(root, 'packages', name), ['dist'])),
      )
    ).flat(),
  ]
  for (const file of files.sort()) hash.update(relative(root, file)).update(await readFile(file))
  return hash.digest('hex')
}

async function filesUnder(base: string, folders: string[]): Promise<string[]> {
  const found: string[] = []
  for (const folder of folders) {
    const entries = await readdir(join(base, folder), { withFileTypes: true, recursive: true })
    for (const entry of entries)
      if (entry.isFile() && !entry.name.endsWith('.tsbuildinfo'))
        found.push(join(entry.parentPath, entry.name))
  }
  return found
}

/** One build at a time across test processes; a lock left by a killed run expires. */
async function withBuildLock(work: () => Promise<void>): Promise<void> {
  const deadline = Date.now() + 180_000
  for (;;) {
    try {
      await mkdir(lockDir)
      break
    } catch (error) {
      if (!(error instanceof Error && 'code' in error && error.code === 'EEXIST')) throw error
      const held = await stat(lockDir).catch(() => undefined)
      if (held && Date.now() - held.mtimeMs > 120_000)
        await rm(lockDir, { recursive: true, force: true })
      if (Date.now() > deadline) throw new Error('timed out waiting for another Next build')
      await new Promise((done) => setTimeout(done, 250))
    }
  }
  try {
    await work()
  } finally {
    await rm(lockDir, { recursive: true, force: true })
  }
}
