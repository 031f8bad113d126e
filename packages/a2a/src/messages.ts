import {
  type Artifact,
  type Message,
  type Part,
  Role,
  type Task,
  TaskState,
  type TaskStatus,
} from '@a2a-js/sdk'

/** The A2A message shapes of `@a2a-js/sdk` (A2A v1.0 protobuf types), built without boilerplate. */

export type Metadata = Record<string, unknown>

export function textPart(text: string): Part {
  return {
    content: { $case: 'text', value: text },
    metadata: undefined,
    filename: '',
    mediaType: '',
  }
}

export function dataPart(data: unknown, metadata?: Metadata): Part {
  return {
    content: { $case: 'data', value: data },
    metadata,
    filename: '',
    mediaType: 'application/json',
  }
}

export function message(
  role: 'user' | 'agent',
  parts: Part[],
  ids: { taskId?: string | undefined; contextId?: string | undefined } = {},
  metadata?: Metadata,
): Message {
  return {
    messageId: crypto.randomUUID(),
    contextId: ids.contextId ?? '',
    taskId: ids.taskId ?? '',
    role: role === 'user' ? Role.ROLE_USER : Role.ROLE_AGENT,
    parts,
    metadata,
    extensions: [],
    referenceTaskIds: [],
  }
}

export function status(state: TaskState, said?: Message): TaskStatus {
  return { state, message: said, timestamp: new Date().toISOString() }
}

export function artifact(name: string, parts: Part[], metadata?: Metadata): Artifact {
  return {
    artifactId: crypto.randomUUID(),
    name,
    description: '',
    parts,
    metadata,
    extensions: [],
  }
}

/** The text of a message or artifact: its text parts, one per line. */
export function textOf(item: { parts: Part[] } | undefined): string {
  if (!item) return ''
  return item.parts
    .flatMap((part) => (part.content?.$case === 'text' ? [part.content.value] : []))
    .join('\n')
}

/** The data parts of a message or artifact. */
export function dataOf(item: { parts: Part[] } | undefined): unknown[] {
  if (!item) return []
  return item.parts.flatMap((part) => (part.content?.$case === 'data' ? [part.content.value] : []))
}

export const terminalStates: ReadonlySet<TaskState> = new Set([
  TaskState.TASK_STATE_COMPLETED,
  TaskState.TASK_STATE_FAILED,
  TaskState.TASK_STATE_CANCELED,
  TaskState.TASK_STATE_REJECTED,
])

/** The metadata of a task's latest status message. */
export function statusMetadata(task: Task): Metadata {
  return (task.status?.message?.metadata as Metadata | undefined) ?? {}
}
