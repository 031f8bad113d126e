import { open, readFile, rm } from 'node:fs/promises'
import { resolve } from 'node:path'

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

/**
 * Takes `<dir>.lock` for this process. PGlite does not stop two processes from opening one
 * folder (both would then lose writes), so whoever opens it holds this file, which names its
 * process. A lock left by a process that has died is taken over.
 * @throws DataDirInUseError while a running process holds it.
 */
export async function lockDataDir(dir: string): Promise<() => Promise<void>> {
  const path = `${resolve(dir)}.lock`
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const file = await open(path, 'wx')
      await file.writeFile(`${process.pid}\n`)
      await file.close()
      return () => rm(path, { force: true })
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    }
    const holder = Number((await readFile(path, 'utf8').catch(() => '')).trim())
    if (Number.isInteger(holder) && holder > 0 && isRunning(holder))
      throw new DataDirInUseError(dir, holder, path)
    await rm(path, { force: true })
  }
  throw new Error(`cannot lock ${dir}: delete ${path} and try again`)
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
