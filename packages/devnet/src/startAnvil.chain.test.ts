/**
 * Goal: startAnvil gives a working node on a free port, stop() really ends it, and every way of
 * failing to start is reported clearly. Method: start real anvil processes, probe the process
 * table and the port after stop, collide on a taken port, and let a child Node process exit
 * without stopping its anvil.
 */
import { execFile } from 'node:child_process'
import { createServer } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import { promisify } from 'node:util'
import { createPublicClient, http } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { isDevnetError } from './errors.ts'
import { rpcChainId } from './rpcChainId.ts'
import { type AnvilProcess, startAnvil } from './startAnvil.ts'

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/** Resolves true when `port` on 127.0.0.1 can be bound (and releases it again). */
function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer()
    server.once('error', () => resolve(false))
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)))
  })
}

async function waitUntil(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (condition()) return true
    await sleep(20)
  }
  return condition()
}

describe('startAnvil', () => {
  let anvil: AnvilProcess
  const logLines: string[] = []

  beforeAll(async () => {
    anvil = await startAnvil({ onLog: (line) => logLines.push(line) })
  })

  afterAll(async () => {
    await anvil?.stop()
  })

  it('answers on the reported free port with the default chain id', async () => {
    expect(anvil.port).toBeGreaterThan(0)
    expect(anvil.rpcUrl).toBe(`http://127.0.0.1:${anvil.port}`)
    expect(anvil.chainId).toBe(31337)
    expect(await rpcChainId(anvil.rpcUrl, 2_000)).toBe(31337)
    expect(isAlive(anvil.pid)).toBe(true)
    expect(logLines).toContain(`Listening on 127.0.0.1:${anvil.port}`)
  })

  it('reports a clear error, quoting anvil, when the port is taken', async () => {
    const error = await startAnvil({ port: anvil.port }).catch((caught: unknown) => caught)
    expect(isDevnetError(error, 'ANVIL_START_FAILED')).toBe(true)
    expect(String(error)).toContain(
      `startAnvil on 127.0.0.1:${anvil.port}: anvil exited with code 1`,
    )
    expect(String(error)).toContain('Address already in use')
  })

  it('reports a clear error when the binary cannot be run', async () => {
    const error = await startAnvil({ binaryPath: '/nonexistent/anvil' }).catch((e: unknown) => e)
    expect(isDevnetError(error, 'ANVIL_START_FAILED')).toBe(true)
    expect(String(error)).toContain('anvil could not be run: spawn /nonexistent/anvil ENOENT')
  })
})

describe('AnvilProcess.stop', () => {
  it('ends the process and frees the port, and can be called twice', async () => {
    const anvil = await startAnvil({ chainId: 84532 })
    expect(await rpcChainId(anvil.rpcUrl, 2_000)).toBe(84532)
    await anvil.stop()
    expect(isAlive(anvil.pid)).toBe(false)
    expect(await isPortFree(anvil.port)).toBe(true)
    await expect(anvil.stop()).resolves.toBeUndefined()
  })

  it('runs interval mining when given a block time', async () => {
    const anvil = await startAnvil({ blockTime: 0.2 })
    try {
      const client = createPublicClient({ transport: http(anvil.rpcUrl) })
      const first = await client.getBlockNumber({ cacheTime: 0 })
      // No transaction is sent, so only the interval miner can produce the next block.
      let latest = first
      const deadline = Date.now() + 5_000
      while (latest === first && Date.now() < deadline) {
        await sleep(50)
        latest = await client.getBlockNumber({ cacheTime: 0 })
      }
      expect(latest).toBeGreaterThan(first)
    } finally {
      await anvil.stop()
    }
  })
})

describe('parent process exit', () => {
  it('kills anvil when the Node process that started it exits without stop()', async () => {
    // A separate Node process starts anvil, prints its pid and exits at once, without stop().
    const moduleUrl = new URL('./startAnvil.ts', import.meta.url).href
    const script = [
      `import { startAnvil } from ${JSON.stringify(moduleUrl)}`,
      'const anvil = await startAnvil()',
      'console.log(anvil.pid)',
      'process.exit(0)',
    ].join('\n')
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '--eval', script],
      { timeout: 30_000 },
    )
    const pid = Number(stdout.trim())
    expect(Number.isInteger(pid) && pid > 0).toBe(true)
    const died = await waitUntil(() => !isAlive(pid), 5_000)
    // Never leave an orphan behind, even when the hook under test is broken.
    if (!died) process.kill(pid, 'SIGKILL')
    expect(died).toBe(true)
  })
})
