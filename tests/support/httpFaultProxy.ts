/**
 * An HTTP proxy that loses answers on purpose: it forwards every request to an upstream server
 * and, for the paths a rule names, lets the request take effect upstream, then closes the
 * client's connection instead of answering. Used to show that a lost facilitator answer never
 * makes anyone pay twice. Node built-ins only.
 */
import { once } from 'node:events'
import { createServer, request as httpRequest, type IncomingMessage } from 'node:http'

export interface HttpFaultProxy {
  url: string
  /** Loses the answers to the next `times` requests to `path`. */
  loseAnswers(path: string, times: number): void
  /** How many requests reached each path. */
  counts(): Record<string, number>
  close(): Promise<void>
}

export async function startHttpFaultProxy(upstreamUrl: string): Promise<HttpFaultProxy> {
  const upstream = new URL(upstreamUrl)
  const losses = new Map<string, number>()
  const counts: Record<string, number> = {}
  const server = createServer(async (incoming, outgoing) => {
    const path = new URL(incoming.url ?? '/', 'http://proxy').pathname
    counts[path] = (counts[path] ?? 0) + 1
    const body = await readBody(incoming)
    const forwarded = httpRequest({
      host: upstream.hostname,
      port: upstream.port,
      method: incoming.method,
      path: incoming.url,
      headers: { ...incoming.headers, host: upstream.host },
    })
    forwarded.on('error', () => outgoing.destroy())
    forwarded.on('response', async (answer) => {
      const answerBody = await readBody(answer)
      const left = losses.get(path) ?? 0
      if (left > 0) {
        // The upstream did the work; its answer never arrives.
        losses.set(path, left - 1)
        outgoing.socket?.destroy()
        return
      }
      outgoing.writeHead(answer.statusCode ?? 502, answer.headers)
      outgoing.end(answerBody)
    })
    forwarded.end(body)
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const address = server.address() as { port: number }
  return {
    url: `http://127.0.0.1:${address.port}`,
    loseAnswers: (path, times) => losses.set(path, times),
    counts: () => ({ ...counts }),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

async function readBody(stream: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of stream) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}
