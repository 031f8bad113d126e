import { spawn } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { DevManifest } from 'tollgate'
import type { PaidServerConfig, StoreConfig } from './paidServerProcess.ts'

const root = resolve(import.meta.dirname, '../..')
const tsxLoader = pathToFileURL(join(root, 'node_modules/tsx/dist/loader.mjs')).href

export interface PaidServerChild {
  url: string
  /** Resolves with the exit signal or code. */
  exited: Promise<string>
  stop(): Promise<string>
}

/** A free TCP port, so a restarted server can listen where the client already sends. */
export function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const probe = createServer()
    probe.once('error', fail)
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address()
      probe.close(() => done(typeof address === 'object' && address ? address.port : 0))
    })
  })
}

/** The paid server's settings for the dev stack's chain, facilitator and token. */
export function paidServerConfig(
  manifest: DevManifest,
  store: StoreConfig,
  runsFile: string,
  extra: Partial<PaidServerConfig> = {},
): Omit<PaidServerConfig, 'port'> & Partial<PaidServerConfig> {
  return {
    facilitatorUrl: manifest.facilitatorUrl,
    network: manifest.network,
    asset: manifest.asset,
    payTo: manifest.accounts.merchant.address,
    store,
    runsFile,
    ...extra,
  }
}

/** Starts tests/support/paidServerProcess.ts on the compiled packages; resolves once it listens. */
export async function spawnPaidServer(
  config: Omit<PaidServerConfig, 'port'> & Partial<PaidServerConfig>,
): Promise<PaidServerChild> {
  const settings: PaidServerConfig = { port: config.port ?? (await freePort()), ...config }
  return spawnListening('paidServerProcess.ts', { PAID_SERVER_PROCESS: JSON.stringify(settings) })
}

/**
 * Starts one of the test-support scripts in its own process (on the compiled packages), with
 * `env` added; resolves once it prints `{"url": …}`.
 */
export function spawnListening(
  script: string,
  env: Record<string, string>,
): Promise<PaidServerChild> {
  const child = spawn(
    process.execPath,
    ['--import', tsxLoader, join(import.meta.dirname, script)],
    {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  let output = ''
  const exited = new Promise<string>((done) =>
    child.on('exit', (code, signal) => done(signal ?? String(code))),
  )
  return new Promise((done, fail) => {
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk
    })
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk
      const line = output.split('\n').find((candidate) => candidate.startsWith('{"url"'))
      if (!line) return
      done({
        url: (JSON.parse(line) as { url: string }).url,
        exited,
        stop: async () => {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
          return exited
        },
      })
    })
    void exited.then((how) =>
      fail(new Error(`${script} exited (${how}) before listening:\n${output}`)),
    )
  })
}

/** The handler runs the processes recorded, in order. */
export async function handlerRuns(runsFile: string): Promise<string[]> {
  const text = await readFile(runsFile, 'utf8').catch(() => '')
  return text.split('\n').filter((line) => line.length > 0)
}
