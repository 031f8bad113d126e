/**
 * Runs a local anvil node as a child process.
 * @module
 */
import { spawn } from 'node:child_process'
import { anvilArguments, resolveAnvilSettings, type StartAnvilOptions } from './anvilArguments.ts'
import { watchAnvilOutput } from './anvilOutput.ts'
import { terminate } from './childProcessExit.ts'
import { DevnetError } from './errors.ts'
import { killOnParentExit } from './killOnParentExit.ts'
import { resolveAnvilBinary } from './resolveAnvilBinary.ts'
import { waitForAnvil } from './waitForAnvil.ts'

/** A running anvil node. */
export type AnvilProcess = {
  /** HTTP JSON-RPC endpoint, e.g. `http://127.0.0.1:39087`. */
  rpcUrl: string
  port: number
  chainId: number
  pid: number
  /**
   * Ends the node (SIGTERM, then SIGKILL after `stopTimeoutMs`) and resolves once the process has
   * exited and its port is free. Safe to call more than once.
   */
  stop(): Promise<void>
}

/**
 * Starts anvil and resolves once it answers `eth_chainId`. The process is killed if this Node
 * process exits first; call `stop()` to end it sooner.
 * @throws DevnetError `INVALID_OPTIONS`, `ANVIL_BINARY_MISSING`, `ANVIL_START_FAILED` (e.g. the
 * port is in use; the message quotes anvil's last output) or `ANVIL_START_TIMEOUT`.
 * @example
 * const anvil = await startAnvil({ chainId: 84532 })
 * try {
 *   const client = createPublicClient({ transport: http(anvil.rpcUrl) })
 * } finally {
 *   await anvil.stop()
 * }
 */
export async function startAnvil(options: StartAnvilOptions = {}): Promise<AnvilProcess> {
  const settings = resolveAnvilSettings(options)
  const deadline = Date.now() + settings.startTimeoutMs
  const binary = settings.binaryPath ?? resolveAnvilBinary()
  const child = spawn(binary, anvilArguments(settings), {
    stdio: ['ignore', 'pipe', 'pipe'],
    windowsHide: true,
  })
  // A permanent listener: an 'error' event with no listener would crash the host process (for
  // example a failed kill() long after startup). Startup failures are reported by waitForAnvil.
  child.on('error', () => {})
  killOnParentExit(child)
  const output = watchAnvilOutput(child, settings.onLog)
  const { host, port: requestedPort, chainId, startTimeoutMs, stopTimeoutMs } = settings
  let port: number
  try {
    port = await waitForAnvil({
      child,
      output,
      host,
      port: requestedPort,
      chainId,
      deadline,
      startTimeoutMs,
    })
  } catch (error) {
    await terminate(child, stopTimeoutMs)
    throw error
  }
  const pid = child.pid
  if (pid === undefined) throw new DevnetError('ANVIL_START_FAILED', 'anvil started without a pid')
  let stopping: Promise<void> | undefined
  const stop = (): Promise<void> => {
    stopping ??= terminate(child, stopTimeoutMs).then((exited) => {
      if (!exited) {
        throw new DevnetError(
          'ANVIL_STOP_TIMEOUT',
          `anvil (pid ${pid}) survived SIGTERM and SIGKILL`,
        )
      }
    })
    return stopping
  }
  return { rpcUrl: `http://${host}:${port}`, port, chainId, pid, stop }
}
