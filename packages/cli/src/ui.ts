/** Terminal output for people: progress and errors on stderr, results on stdout. */

const color = process.stderr.isTTY && !process.env.NO_COLOR
const paint = (code: number) => (text: string) => (color ? `\u001b[${code}m${text}\u001b[0m` : text)
export const bold = paint(1)
export const dim = paint(2)
export const green = paint(32)
export const red = paint(31)
export const cyan = paint(36)

export function step(text: string): void {
  process.stderr.write(`${dim('•')} ${text}\n`)
}

export function note(text: string): void {
  process.stderr.write(`${text}\n`)
}

/** A failure the user can act on: what went wrong, then what to do. */
export class UserError extends Error {
  override readonly name = 'UserError'
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message)
  }
}

export function reportFailure(error: unknown): void {
  const message =
    connectionFailure(error) ?? (error instanceof Error ? error.message : String(error))
  process.stderr.write(`${red('error:')} ${message}\n`)
  if (error instanceof UserError && error.hint)
    process.stderr.write(`${dim('hint:')} ${error.hint}\n`)
}

const causes: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused: nothing listens there',
  ECONNRESET: 'the connection was reset',
  ENOTFOUND: 'no such host',
  EAI_AGAIN: 'the host name could not be looked up now',
  ETIMEDOUT: 'the connection timed out',
  EHOSTUNREACH: 'the host is unreachable',
  UND_ERR_CONNECT_TIMEOUT: 'the connection timed out',
  UND_ERR_SOCKET: 'the connection closed early',
}

/**
 * `fetch failed` says neither where nor why; Node keeps both on the cause. The host, port and
 * cause become one line, e.g. "cannot reach 127.0.0.1:4021: connection refused (ECONNREFUSED)".
 */
export function connectionFailure(error: unknown, url?: string): string | undefined {
  if (!(error instanceof TypeError) || error.message !== 'fetch failed') return undefined
  const cause = error.cause as
    | { code?: string; address?: string; port?: number; hostname?: string; message?: string }
    | undefined
  const code = cause?.code
  const host = cause?.address
    ? `${cause.address}${cause.port ? `:${cause.port}` : ''}`
    : (cause?.hostname ?? (url ? hostOf(url) : undefined))
  const what = (code && causes[code]) ?? cause?.message ?? 'the request failed'
  const target = url ?? host ?? 'the server'
  return `cannot reach ${target}${url && host && !url.includes(host) ? ` (${host})` : ''}: ${what}${code ? ` (${code})` : ''}`
}

function hostOf(url: string): string | undefined {
  try {
    return new URL(url).host
  } catch {
    return undefined
  }
}

/** `fetch` whose connection failures name the URL and the cause. */
export function explainedFetch(base: typeof fetch = globalThis.fetch): typeof fetch {
  return async (input, init) => {
    try {
      return await base(input, init)
    } catch (error) {
      const url = input instanceof Request ? input.url : String(input)
      const explained = connectionFailure(error, url)
      if (explained) throw new UserError(explained)
      throw error
    }
  }
}
