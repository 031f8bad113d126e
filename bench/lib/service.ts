import { spawn } from 'node:child_process'
import { closeSync, mkdtempSync, openSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { build } from 'esbuild'
import type { ServiceEnv } from '../services/env.ts'

const root = resolve(import.meta.dirname, '../..')
const servicesDir = resolve(import.meta.dirname, '../services')
/** Inside the repository, so the compiled services resolve packages from its node_modules. */
const buildDir = join(root, 'bench/.build')
const cliBin = join(root, 'packages/cli/bin/tollgate.js')
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

/** Node flags for every service: a CPU profile (BENCH_PROFILE) and BENCH_SERVICE_FLAGS. */
function nodeFlags(): string[] {
  // BENCH_PROFILE=<folder> writes a CPU profile of each service there when it stops.
  const profile = process.env.BENCH_PROFILE
    ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`]
    : []
  // For a probe: --trace-gc, say (with BENCH_SERVICE_STDOUT=1 to see what it prints).
  const extra = process.env.BENCH_SERVICE_FLAGS?.split(' ').filter(Boolean) ?? []
  return [...profile, ...extra]
}

const compiled = new Map<string, Promise<string>>()

/**
 * A service compiled to one JavaScript file, its packages left to Node's resolver: services run
 * on plain node, as a deployment runs, with no TypeScript loader holding sources and source maps
 * in every process (that cost a facilitator tens of MB and its share of CPU).
 */
function compiledService(file: string): Promise<string> {
  let outfile = compiled.get(file)
  if (!outfile) {
    const target = join(buildDir, file.replace(/\.ts$/, '.mjs'))
    outfile = build({
      entryPoints: [join(servicesDir, file)],
      outfile: target,
      bundle: true,
      packages: 'external',
      format: 'esm',
      platform: 'node',
      target: 'node20',
      logLevel: 'warning',
    }).then(() => target)
    compiled.set(file, outfile)
  }
  return outfile
}

function serviceOf(pid: number, stop: () => Promise<void>, url: string): Service {
  return {
    url,
    pid,
    cpuMs: () => processCpuMs(pid),
    memoryMb: () => processMemoryMb(pid),
    stop,
  }
}

/** Starts a bench service in its own process, so each side has its own CPU and event loop. */
export async function startService(file: string, env: ServiceEnv): Promise<Service> {
  const child = spawn(process.execPath, [...nodeFlags(), await compiledService(file)], {
    env: { ...process.env, BENCH_SERVICE: JSON.stringify(env) },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  process.once('exit', () => child.kill())
  const stop = () =>
    new Promise<void>((stopped) => {
      if (child.exitCode !== null || child.signalCode !== null) return stopped()
      child.once('exit', () => stopped())
      child.kill()
    })
  return new Promise((done, fail) => {
    let buffered = ''
    let announced = false
    child.stdout.on('data', (chunk: Buffer) => {
      // BENCH_SERVICE_STDOUT=1 passes what a service prints on to stderr.
      if (process.env.BENCH_SERVICE_STDOUT) process.stderr.write(chunk)
      if (announced) return
      buffered += chunk.toString()
      const line = buffered.split('\n').find((candidate) => candidate.startsWith('{"url"'))
      if (!line) return
      announced = true
      done(serviceOf(child.pid!, stop, (JSON.parse(line) as { url: string }).url))
    })
    child.once('exit', (code) =>
      fail(new Error(`${file} exited with code ${code} before listening`)),
    )
  })
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * Tollgate's side: the `tollgate` command itself (the compiled bundle `npm install` builds), run
 * as `tollgate facilitator --config <file>` from a config the bench writes. Its log goes to a
 * file, as a deployment's goes to a journal, not through a pipe the load generator must drain.
 */
export async function startCliFacilitator(
  env: ServiceEnv,
  options: { batchMaxWaitMs: number },
): Promise<Service> {
  const folder = mkdtempSync(join(tmpdir(), 'tollgate-bench-cli-'))
  const config = join(folder, 'facilitator.json')
  writeFileSync(
    config,
    JSON.stringify({
      port: 0,
      ledgerDir: env.ledgerDir ?? join(folder, 'ledger'),
      // Up to 200 payments a transaction; BENCH_BATCH_SIZE (at most 500) for a probe or a soak.
      batch: {
        maxSize: Number(process.env.BENCH_BATCH_SIZE ?? 200),
        maxWaitMs: options.batchMaxWaitMs,
      },
      networks: [
        {
          network: env.network,
          rpcUrl: env.rpcUrl,
          signers: ['$BENCH_FACILITATOR_KEY'],
          assets: [env.asset],
          ...(env.multicall3 ? { multicall3: env.multicall3 } : {}),
        },
      ],
    }),
  )
  const logFile = join(folder, 'facilitator.log')
  const log = openSync(logFile, 'w')
  const child = spawn(
    process.execPath,
    [...nodeFlags(), cliBin, 'facilitator', '--config', config],
    {
      env: { ...process.env, BENCH_FACILITATOR_KEY: env.key },
      stdio: ['ignore', log, 'inherit'],
    },
  )
  closeSync(log)
  process.once('exit', () => child.kill())
  let exited: string | undefined
  child.once('exit', (code, signal) => {
    exited = signal ?? String(code)
  })
  const stop = () =>
    new Promise<void>((stopped) => {
      if (child.exitCode !== null || child.signalCode !== null) return stopped()
      child.once('exit', () => stopped())
      child.kill()
    })
  for (const startedAt = Date.now(); Date.now() - startedAt < 60_000; await sleep(50)) {
    const lines = readFileSync(logFile, 'utf8').split('\n')
    const listening = lines
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { msg?: string; url?: string })
      .find((entry) => entry.msg === 'facilitator listening')
    if (listening?.url) return serviceOf(child.pid!, stop, listening.url)
    if (exited !== undefined) {
      throw new Error(
        `tollgate facilitator exited (${exited}) before listening; its log:\n${lines.join('\n')}`,
      )
    }
  }
  await stop()
  throw new Error(`tollgate facilitator did not listen within 60 s; its log is ${logFile}`)
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
