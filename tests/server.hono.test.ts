import { paymentMiddleware } from '@tollgate/server/hono'
import { Hono } from 'hono'
import { cors } from 'hono/cors'
import { listen } from 'tollgate'
import { type Mount, paidBody, runAdapterConformance } from './support/adapterConformance.ts'

/** A header only the gate may read: the adapter must strip it. */
const overrides = '{"amount":"1"}'

const mountHono: Mount = async (gate, served) => {
  const app = new Hono()
  app.use(cors())
  app.use(paymentMiddleware(gate))
  const count = (name: string) => {
    served[name] = (served[name] ?? 0) + 1
  }
  app.get('/free', (c) => c.text('free'))
  app.get('/weather', (c) => {
    count('weather')
    return c.json({ forecast: 'sunny', note: paidBody })
  })
  app.get('/legacy', (c) => c.json({ note: paidBody }))
  app.get('/fails', (c) => {
    c.header('Settlement-Overrides', overrides)
    return c.json({ error: 'boom' }, 500)
  })
  app.get('/whoami', (c) => {
    c.header('Settlement-Overrides', overrides)
    return c.json(c.get('x402'))
  })
  app.get('/api/:id/data', (c) => c.json({ id: c.req.param('id'), note: paidBody }))
  app.get('/stream', () => {
    const encoder = new TextEncoder()
    const body = new ReadableStream({
      async start(controller) {
        controller.enqueue(encoder.encode('part1-'))
        await new Promise((resolve) => setTimeout(resolve, 20))
        controller.enqueue(encoder.encode(`${paidBody}-part2`))
        controller.close()
      },
    })
    return new Response(body, { headers: { 'content-type': 'text/plain' } })
  })
  app.post('/orders', async (c) => {
    const order = await c.req.json<{ item: string }>()
    return c.json({ ordered: order.item, note: paidBody })
  })
  const server = await listen(app, 0)
  return { url: server.url, close: server.close }
}

runAdapterConformance('hono', mountHono)
