/**
 * Keeps anvil from outliving the Node process that started it. A devnet left running holds its
 * port and keeps the old chain alive, which then confuses the next run.
 * @module
 */
import type { ChildProcess } from 'node:child_process'

const liveChildren = new Set<ChildProcess>()
let exitHookInstalled = false

/**
 * Registers `child` to be killed when this process exits (normal end, `process.exit()`, or an
 * uncaught exception). Deliberately no signal handlers: adding a SIGINT/SIGTERM listener would
 * change how the host application reacts to Ctrl-C. A terminal's Ctrl-C reaches anvil anyway,
 * because it runs in the same process group; a host that wants cleanup on SIGTERM should install
 * its own handler that calls `process.exit()` (which runs this hook) or `AnvilProcess.stop()`.
 */
export function killOnParentExit(child: ChildProcess): void {
  if (!exitHookInstalled) {
    process.on('exit', killLiveChildren)
    exitHookInstalled = true
  }
  liveChildren.add(child)
  child.once('exit', () => liveChildren.delete(child))
}

function killLiveChildren(): void {
  // 'exit' listeners must be synchronous, so there is no waiting for a graceful SIGTERM shutdown:
  // SIGKILL is the one signal that is certain to end the child.
  for (const child of liveChildren) child.kill('SIGKILL')
}
