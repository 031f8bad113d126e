import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { ServiceEnv } from '../services/env.ts'

const root = resolve(import.meta.dirname, '../..')
const tsxLoader = pathToFileURL(join(root, 'node_modules/tsx/dist/loader.mjs')).href
const clockTicksPerSecond = 100

export interface Service {
  url: string
  pid: number
  /** User plus system CPU time the process has used, in milliseconds. */
  cpuMs(): number
  /** Resident memory now and the most it has held since it started (VmRSS, VmHWM), in MiB. */
  memoryMb(): { rssMb: number; peakRssMb: number }
  /** Ends the process; resolves once it has exited. */
  stop(): Promise<void>
}

/** Starts a bench service in its own process, so each side has its own CPU and event loop. */
export function startService(file: string, env: ServiceEnv): Promise<Service> {
  // BENCH_PROFILE=<folder> writes a CPU profile of each service there when it stops.
  const profile = process.env.BENCH_PROFILE
    ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`]
    : []
  const child = spawn(
    process.execPath,
    [...profile, '--import', tsxLoader, resolve(import.meta.dirname, '../services', file)],
    {
      env: { ...process.env, BENCH_SERVICE: JSON.stringify(env) },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  )
  process.once('exit', () => child.kill())
  return new Promise((done, fail) => {
    let buffered = ''
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString()
      const line = buffered.split('\n').find((candidate) => candidate.startsWith('{"url"'))
      if (!line) return
      const pid = child.pid!
      done({
        url: (JSON.parse(line) as { url: string }).url,
        pid,
        cpuMs: () => processCpuMs(pid),
        memoryMb: () => processMemoryMb(pid),
        stop: () =>
          new Promise<void>((stopped) => {
            if (child.exitCode !== null || child.signalCode !== null) return stopped()
            child.once('exit', () => stopped())
            child.kill()
          }),
      })
    })
    child.once('exit', (code) =>
      fail(new Error(`${file} exited with code ${code} before listening`)),
    )
  })
}

/** CPU time (user + system) a process has used so far, from /proc. */
export function processCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  // Fields after the parenthesised command name; utime and stime are the 14th and 15th fields.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / clockTicksPerSecond
}

/** Resident memory of a process now and at its peak, from /proc, in MiB. */
export function processMemoryMb(pid: number): { rssMb: number; peakRssMb: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const mb = (field: string) =>
    Math.round(Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0) / 1024)
  return { rssMb: mb('VmRSS'), peakRssMb: mb('VmHWM') }
}
