/**
 * Reads anvil's stdout and stderr line by line. Both pipes must be drained at all times, or anvil
 * blocks once the pipe buffer fills; the last lines are kept for error messages.
 * @module
 */
import type { ChildProcess } from 'node:child_process'
import { createInterface } from 'node:readline'

/** How many recent lines an error message quotes. */
const RECENT_LINES_MAX = 20

export type AnvilOutput = {
  /** The last lines printed, oldest first. */
  recentLines(): readonly string[]
  /** Calls `listener` for every later line; returns the function that unsubscribes it. */
  subscribe(listener: (line: string) => void): () => void
}

/** Starts draining the child's output; `onLog` (if any) receives every line. */
export function watchAnvilOutput(
  child: ChildProcess,
  onLog: ((line: string) => void) | undefined,
): AnvilOutput {
  const recent: string[] = []
  const listeners = new Set<(line: string) => void>()
  const onLine = (line: string): void => {
    recent.push(line)
    if (recent.length > RECENT_LINES_MAX) recent.shift()
    onLog?.(line)
    for (const listener of listeners) listener(line)
  }
  for (const stream of [child.stdout, child.stderr]) {
    if (stream)
      createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY }).on('line', onLine)
  }
  return {
    recentLines: () => [...recent],
    subscribe(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
  }
}

/** The port in anvil's "Listening on 127.0.0.1:8545" line, or undefined for any other line. */
export function parseListeningPort(line: string): number | undefined {
  const match = /^Listening on \S*:(\d{1,5})\s*$/.exec(line.trim())
  return match?.[1] === undefined ? undefined : Number(match[1])
}
