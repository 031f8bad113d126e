/**
 * Startup handshake with a freshly spawned anvil: wait for the port it reports, then for an
 * `eth_chainId` answer, all within one deadline. Ends early, with anvil's last output in the
 * message, when the process exits (a port in use, a bad flag) or cannot be spawned.
 * @module
 */
import type { ChildProcess } from 'node:child_process'
import { setTimeout as sleep } from 'node:timers/promises'
import { type AnvilOutput, parseListeningPort } from './anvilOutput.ts'
import { hasExited } from './childProcessExit.ts'
import { DevnetError } from './errors.ts'
import { rpcChainId } from './rpcChainId.ts'

export type WaitForAnvilParameters = {
  child: ChildProcess
  output: AnvilOutput
  host: string
  /** The port asked for; 0 means "whatever anvil reports". */
  port: number
  chainId: number
  /** Epoch milliseconds after which startup counts as failed. */
  deadline: number
  /** The budget `deadline` was computed from, for messages. */
  startTimeoutMs: number
}

/** Resolves with the port anvil listens on once it answers `eth_chainId` with `chainId`. */
export async function waitForAnvil(parameters: WaitForAnvilParameters): Promise<number> {
  const port = await waitForListeningPort(parameters)
  await waitForChainId(parameters, `http://${parameters.host}:${port}`)
  return port
}

function waitForListeningPort(parameters: WaitForAnvilParameters): Promise<number> {
  const { child, output, deadline } = parameters
  return new Promise((resolve, reject) => {
    const finish = (settle: () => void): void => {
      clearTimeout(timer)
      unsubscribe()
      child.off('close', onClose)
      child.off('error', onError)
      settle()
    }
    const onClose = (code: number | null, signal: NodeJS.Signals | null): void => {
      const how = signal === null ? `with code ${code}` : `on ${signal}`
      finish(() => reject(startError(parameters, `anvil exited ${how} before it was ready`)))
    }
    const onError = (error: Error): void => {
      finish(() =>
        reject(startError(parameters, `anvil could not be run: ${error.message}`, error)),
      )
    }
    const timer = setTimeout(
      () => {
        const budget = `${parameters.startTimeoutMs} ms`
        const message = `anvil did not report a listening address within ${budget}`
        finish(() => reject(startError(parameters, message, undefined, 'ANVIL_START_TIMEOUT')))
      },
      Math.max(0, deadline - Date.now()),
    )
    const onLine = (line: string): void => {
      const port = parseListeningPort(line)
      if (port !== undefined) finish(() => resolve(port))
    }
    const unsubscribe = output.subscribe(onLine)
    child.once('close', onClose)
    child.once('error', onError)
    // The line may already have been read if the caller awaited anything since spawning.
    for (const line of output.recentLines()) onLine(line)
  })
}

async function waitForChainId(parameters: WaitForAnvilParameters, rpcUrl: string): Promise<void> {
  let lastError: unknown
  while (Date.now() < parameters.deadline && !hasExited(parameters.child)) {
    try {
      const chainId = await rpcChainId(rpcUrl, Math.min(1_000, parameters.deadline - Date.now()))
      if (chainId === parameters.chainId) return
      throw new DevnetError(
        'CHAIN_ID_MISMATCH',
        `${rpcUrl} reports chain id ${chainId}, expected ${parameters.chainId}`,
      )
    } catch (error) {
      if (error instanceof DevnetError) throw error
      lastError = error
    }
    await sleep(50)
  }
  if (hasExited(parameters.child)) {
    throw startError(parameters, `anvil exited before answering at ${rpcUrl}`, lastError)
  }
  const problem = `no eth_chainId answer at ${rpcUrl} within ${parameters.startTimeoutMs} ms`
  throw startError(parameters, problem, lastError, 'ANVIL_START_TIMEOUT')
}

function startError(
  parameters: WaitForAnvilParameters,
  problem: string,
  cause?: unknown,
  code: 'ANVIL_START_FAILED' | 'ANVIL_START_TIMEOUT' = 'ANVIL_START_FAILED',
): DevnetError {
  const where =
    parameters.port === 0
      ? `${parameters.host} (free port)`
      : `${parameters.host}:${parameters.port}`
  const lines = parameters.output.recentLines()
  const tail = lines.length === 0 ? ' (no output)' : `; last output:\n  ${lines.join('\n  ')}`
  return new DevnetError(code, `startAnvil on ${where}: ${problem}${tail}`, { cause })
}
