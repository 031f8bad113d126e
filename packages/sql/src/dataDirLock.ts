import { randomUUID } from 'node:crypto'
import { link, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'

/** The embedded database folder is held by another running process. */
export class DataDirInUseError extends Error {
  constructor(
    readonly dataDir: string,
    readonly holderPid: number,
    readonly lockPath: string,
  ) {
    super(`${dataDir} is in use by process ${holderPid}`)
    this.name = 'DataDirInUseError'
  }
}

/** A takeover that crashed midway leaves its marker; after this long it no longer counts. */
const takeoverStaleMs = 5_000

/**
 * Takes `<dir>.lock` for this process. PGlite does not stop two processes from opening one
 * folder (both would then lose writes), so whoever opens it holds this file, which names its
 * process. The file appears with its content in one step (a hard link of a written file), so no
 * one ever reads it half written. A lock whose process has died is taken over under a second,
 * short-lived marker, so two processes never both remove it and both go on.
 * @throws DataDirInUseError while a running process holds it.
 */
export async function lockDataDir(dir: string): Promise<() => Promise<void>> {
  const path = `${resolve(dir)}.lock`
  // A first run in a fresh folder: the lock sits beside the data folder, in a parent not made yet.
  await mkdir(dirname(path), { recursive: true })
  const release = () => rm(path, { force: true })
  const deadline = Date.now() + 2_000
  for (;;) {
    if (await createWithPid(path)) return release
    const holder = await holderOf(path)
    if (holder !== undefined && isRunning(holder)) throw new DataDirInUseError(dir, holder, path)
    const marker = `${path}.takeover`
    if (await createWithPid(marker)) {
      try {
        // Only the marker's holder removes a lock, and only one whose process is gone.
        const current = await holderOf(path)
        if (current === undefined || !isRunning(current)) await rm(path, { force: true })
        if (await createWithPid(path)) return release
      } finally {
        await rm(marker, { force: true })
      }
    } else {
      const age = await stat(marker).then(
        (info) => Date.now() - info.mtimeMs,
        () => 0,
      )
      if (age > takeoverStaleMs) await rm(marker, { force: true })
    }
    if (Date.now() > deadline) throw new Error(`cannot lock ${dir}: delete ${path} and try again`)
    await sleep(10 + Math.random() * 20)
  }
}

/** Creates `path` holding this process's id, or returns false when it exists. */
async function createWithPid(path: string): Promise<boolean> {
  const draft = `${path}.${process.pid}.${randomUUID()}`
  await writeFile(draft, `${process.pid}\n`)
  try {
    await link(draft, path)
    return true
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false
    throw error
  } finally {
    await rm(draft, { force: true })
  }
}

async function holderOf(path: string): Promise<number | undefined> {
  const pid = Number((await readFile(path, 'utf8').catch(() => '')).trim())
  return Number.isInteger(pid) && pid > 0 ? pid : undefined
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}
