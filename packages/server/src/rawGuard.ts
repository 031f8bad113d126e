import type { OutgoingHttpHeader, ServerResponse } from 'node:http'

/** What a guarded Node response held back, and how to let it go. */
export interface RawGuard {
  /** Body chunks written while guarded, in order. */
  readonly chunks: Buffer[]
  /** Puts the response's own methods back: later writes reach the socket. */
  release(): void
}

type Callback = (() => void) | undefined

/**
 * Holds back everything written to a Node response: `writeHead` and `flushHeaders` send nothing
 * (status and headers stay on the response object), `write` and `end` collect the body. Nothing
 * reaches the socket until `release`. `onEnd` runs once, when the writer ends the response, with
 * the callback it gave `end`.
 */
export function guardRaw(res: ServerResponse, onEnd: (done: Callback) => void): RawGuard {
  const own = {
    writeHead: res.writeHead,
    write: res.write,
    end: res.end,
    flushHeaders: res.flushHeaders,
  }
  const chunks: Buffer[] = []
  let ended = false
  const collect = (chunk: unknown, encoding: unknown) => {
    if (typeof chunk === 'string')
      chunks.push(Buffer.from(chunk, typeof encoding === 'string' ? toEncoding(encoding) : 'utf8'))
    else if (chunk instanceof Uint8Array) chunks.push(Buffer.from(chunk))
  }
  const callbackIn = (args: unknown[]): Callback =>
    args.find((arg): arg is () => void => typeof arg === 'function')

  res.flushHeaders = () => undefined
  res.writeHead = function writeHead(status: number, ...rest: unknown[]) {
    res.statusCode = status
    for (const arg of rest) {
      if (typeof arg === 'string') res.statusMessage = arg
      else if (Array.isArray(arg)) setHeaderList(res, arg)
      else if (typeof arg === 'object' && arg !== null)
        for (const [name, value] of Object.entries(arg)) setHeader(res, name, value)
    }
    return res
  } as ServerResponse['writeHead']
  res.write = function write(chunk: unknown, ...rest: unknown[]) {
    if (!ended) collect(chunk, rest[0])
    callbackIn(rest)?.()
    return true
  } as ServerResponse['write']
  res.end = function end(...args: unknown[]) {
    if (ended) return res
    ended = true
    if (typeof args[0] !== 'function') collect(args[0], args[1])
    onEnd(callbackIn(args))
    return res
  } as ServerResponse['end']

  return {
    chunks,
    release() {
      Object.assign(res, own)
    },
  }
}

/** `writeHead` takes headers as `[name, value, …]` or as `[[name, value], …]`. */
function setHeaderList(res: ServerResponse, list: unknown[]): void {
  if (list.every((entry) => Array.isArray(entry))) {
    for (const entry of list) if (Array.isArray(entry)) setHeader(res, String(entry[0]), entry[1])
    return
  }
  for (let index = 0; index + 1 < list.length; index += 2)
    setHeader(res, String(list[index]), list[index + 1])
}

function setHeader(res: ServerResponse, name: string, value: unknown): void {
  const header = headerValue(value)
  if (header !== undefined) res.setHeader(name, header)
}

function headerValue(value: unknown): OutgoingHttpHeader | undefined {
  if (typeof value === 'string' || typeof value === 'number') return value
  if (Array.isArray(value)) return value.map(String)
  return undefined
}

function toEncoding(name: string): BufferEncoding {
  return Buffer.isEncoding(name) ? name : 'utf8'
}
