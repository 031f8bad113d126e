/**
 * Small helpers to wait for a child process to end, each with a bound.
 * @module
 */
import type { ChildProcess } from 'node:child_process'

/** True once the child has exited (by code or by signal). */
export function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null
}

/** Resolves true when the child exits within `timeoutMs`, false otherwise. Never rejects. */
export function waitForExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (hasExited(child)) return Promise.resolve(true)
  return new Promise((resolve) => {
    const onExit = (): void => {
      clearTimeout(timer)
      resolve(true)
    }
    const timer = setTimeout(() => {
      child.off('exit', onExit)
      resolve(false)
    }, timeoutMs)
    child.once('exit', onExit)
  })
}

/**
 * Ends the child: SIGTERM first so anvil can shut down cleanly, SIGKILL if it has not exited after
 * `timeoutMs`. Resolves once the process is gone (its port is then free again).
 */
export async function terminate(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (hasExited(child)) return true
  child.kill('SIGTERM')
  if (await waitForExit(child, timeoutMs)) return true
  child.kill('SIGKILL')
  return waitForExit(child, timeoutMs)
}
