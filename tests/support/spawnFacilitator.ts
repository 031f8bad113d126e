import { spawn } from 'node:child_process'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'

const root = resolve(import.meta.dirname, '../..')
const tsxLoader = pathToFileURL(join(root, 'node_modules/tsx/dist/loader.mjs')).href

export interface FacilitatorChild {
  url: string
  pid: number
  /** Resolves with the exit signal or code. */
  exited: Promise<string>
  stop(): Promise<string>
  output(): string
}

/** Starts tests/support/facilitatorProcess.ts with `config`; resolves once it listens. */
export function spawnFacilitator(config: Record<string, unknown>): Promise<FacilitatorChild> {
  const child = spawn(
    process.execPath,
    ['--import', tsxLoader, join(import.meta.dirname, 'facilitatorProcess.ts')],
    {
      env: { ...process.env, FACILITATOR_PROCESS: JSON.stringify(config) },
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
        pid: child.pid!,
        exited,
        output: () => output,
        stop: async () => {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
          return exited
        },
      })
    })
    void exited.then((how) =>
      fail(new Error(`facilitator exited (${how}) before listening:\n${output}`)),
    )
  })
}
