import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createAdaptorServer } from '@hono/node-server'

/** A running HTTP server. */
export interface Listening {
  url: string
  port: number
  close(): Promise<void>
}

/**
 * Serves a fetch handler on a port (0 picks a free one). A taken port is an error that says
 * which port and what to do, not a stack trace.
 */
export function listen(
  app: { fetch: (request: Request) => Response | Promise<Response> },
  port: number,
  hostname = '127.0.0.1',
): Promise<Listening> {
  const server = createAdaptorServer({ fetch: app.fetch, hostname }) as Server
  // Clients close idle connections a second before the timeout the server announces; on a busy
  // machine that margin can vanish and a request meets a closing socket. A long announced timeout
  // makes the race rare; close() ends idle connections itself.
  server.keepAliveTimeout = 30_000
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') {
        reject(
          new Error(`port ${port} is already in use: stop what uses it or choose another port`),
        )
      } else reject(error)
    })
    server.listen(port, hostname, () => {
      const address = server.address() as AddressInfo
      resolve({
        url: `http://${hostname}:${address.port}`,
        port: address.port,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done())
            server.closeAllConnections()
          }),
      })
    })
  })
}
