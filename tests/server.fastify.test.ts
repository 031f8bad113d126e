import { PassThrough } from 'node:stream'
import { paymentPlugin } from '@tollgate/server/fastify'
import Fastify from 'fastify'
import { type Mount, paidBody, runAdapterConformance } from './support/adapterConformance.ts'

/** A header only the gate may read: the adapter must strip it. */
const overrides = '{"amount":"1"}'

const mountFastify: Mount = async (gate, served) => {
  const app = Fastify()
  await app.register(paymentPlugin, { gate })
  const count = (name: string) => {
    served[name] = (served[name] ?? 0) + 1
  }
  app.get('/free', async () => 'free')
  app.get('/weather', async () => {
    count('weather')
    return { forecast: 'sunny', note: paidBody }
  })
  app.get('/legacy', async () => ({ note: paidBody }))
  app.get('/fails', async (_request, reply) =>
    reply.code(500).header('Settlement-Overrides', overrides).send({ error: 'boom' }),
  )
  app.get('/whoami', async (request, reply) =>
    reply.header('Settlement-Overrides', overrides).send(request.x402),
  )
  app.get<{ Params: { id: string } }>('/api/:id/data', async (request) => ({
    id: request.params.id,
    note: paidBody,
  }))
  app.get('/stream', (_request, reply) => {
    const body = new PassThrough()
    body.write('part1-')
    setTimeout(() => body.end(`${paidBody}-part2`), 20)
    return reply.type('text/plain').send(body)
  })
  app.post<{ Body: { item: string } }>('/orders', async (request) => ({
    ordered: request.body.item,
    note: paidBody,
  }))
  await app.listen({ port: 0, host: '127.0.0.1' })
  const address = app.server.address()
  const port = typeof address === 'object' && address ? address.port : 0
  return { url: `http://127.0.0.1:${port}`, close: () => app.close() }
}

runAdapterConformance('fastify', mountFastify)
