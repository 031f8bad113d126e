/**
 * A TCP proxy in front of a server (PostgreSQL here), to cut a service off and bring it back
 * the way a network or database outage does: `cut()` resets every open connection and every new
 * one; `restore()` forwards again. Node built-ins only.
 */
import { once } from 'node:events'
import { connect, createServer, type Socket } from 'node:net'

export interface TcpProxy {
  port: number
  /** The upstream URL with this proxy's address in it. */
  url: string
  cut(): void
  restore(): void
  close(): Promise<void>
}

export async function startTcpProxy(upstreamUrl: string): Promise<TcpProxy> {
  const upstream = new URL(upstreamUrl)
  const upstreamPort = Number(upstream.port || 5432)
  const open = new Set<Socket>()
  let cut = false
  const server = createServer((client) => {
    if (cut) {
      client.resetAndDestroy()
      return
    }
    const target = connect({ host: upstream.hostname, port: upstreamPort })
    for (const socket of [client, target]) {
      open.add(socket)
      socket.on('close', () => open.delete(socket))
      socket.on('error', () => undefined)
    }
    client.pipe(target).pipe(client)
    client.on('close', () => target.destroy())
    target.on('close', () => client.destroy())
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('the proxy has no port')
  const proxied = new URL(upstreamUrl)
  proxied.hostname = '127.0.0.1'
  proxied.port = String(address.port)
  return {
    port: address.port,
    url: proxied.href,
    cut() {
      cut = true
      for (const socket of open) socket.resetAndDestroy()
    },
    restore() {
      cut = false
    },
    async close() {
      for (const socket of open) socket.destroy()
      server.close()
      await once(server, 'close')
    },
  }
}
