import { createHash } from 'node:crypto'
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type ListTasksRequest, type ListTasksResponse, Task } from '@a2a-js/sdk'
import { resolveUserScope, type ServerCallContext, type TaskStore } from '@a2a-js/sdk/server'

const defaultPageSize = 50

/**
 * A `TaskStore` (`@a2a-js/sdk/server`) in a folder, one JSON file per task, written by rename
 * so a crash leaves the old version or the new one, never half of one. A paid task lives
 * across a restart: the payment sent after one finds the task that asked for it. For several
 * instances use the SDK's `DatabaseTaskStore` on PostgreSQL.
 */
export class FolderTaskStore implements TaskStore {
  readonly #folder: string
  readonly #owner: (context: ServerCallContext) => string

  /** @param folder @default `<os.tmpdir()>/tollgate-a2a-tasks` */
  constructor(
    folder: string = join(tmpdir(), 'tollgate-a2a-tasks'),
    owner: (context: ServerCallContext) => string = resolveUserScope,
  ) {
    this.#folder = folder
    this.#owner = owner
  }

  async save(task: Task, context: ServerCallContext): Promise<void> {
    const folder = this.#ownerFolder(context)
    await mkdir(folder, { recursive: true })
    const file = join(folder, `${digest(task.id)}.json`)
    const temporary = `${file}.${process.pid}.${crypto.randomUUID()}.tmp`
    await writeFile(temporary, JSON.stringify(Task.toJSON(task)))
    await rename(temporary, file)
  }

  async load(taskId: string, context: ServerCallContext): Promise<Task | undefined> {
    return readTask(join(this.#ownerFolder(context), `${digest(taskId)}.json`))
  }

  async list(params: ListTasksRequest, context: ServerCallContext): Promise<ListTasksResponse> {
    const folder = this.#ownerFolder(context)
    const names = await readdir(folder).catch(() => [] as string[])
    const loaded = await Promise.all(
      names.filter((name) => name.endsWith('.json')).map((name) => readTask(join(folder, name))),
    )
    let tasks = loaded.filter((task): task is Task => task !== undefined)
    if (params.contextId) tasks = tasks.filter((task) => task.contextId === params.contextId)
    if (params.status) tasks = tasks.filter((task) => task.status?.state === params.status)
    if (params.statusTimestampAfter) {
      const after = new Date(params.statusTimestampAfter).getTime()
      tasks = tasks.filter((task) => new Date(task.status?.timestamp ?? 0).getTime() > after)
    }
    tasks.sort(newestFirst)
    const totalSize = tasks.length
    const start = params.pageToken ? Number(Buffer.from(params.pageToken, 'base64url')) : 0
    const pageSize = params.pageSize ?? defaultPageSize
    const page = tasks.slice(start, start + pageSize).map((task) => ({
      ...task,
      artifacts: params.includeArtifacts ? task.artifacts : [],
    }))
    const next = start + page.length
    return {
      tasks: page,
      nextPageToken: next < totalSize ? Buffer.from(String(next)).toString('base64url') : '',
      pageSize,
      totalSize,
    }
  }

  #ownerFolder(context: ServerCallContext): string {
    return join(this.#folder, digest(this.#owner(context)))
  }
}

function digest(value: string): string {
  return createHash('sha256').update(value).digest('hex').slice(0, 32)
}

async function readTask(file: string): Promise<Task | undefined> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
  return Task.fromJSON(JSON.parse(text))
}

function newestFirst(a: Task, b: Task): number {
  const byTime = (b.status?.timestamp ?? '').localeCompare(a.status?.timestamp ?? '')
  return byTime !== 0 ? byTime : b.id.localeCompare(a.id)
}
