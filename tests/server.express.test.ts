import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { paymentMiddleware } from '@tollgate/server/express'
import express from 'express'
import { type Mount, paidBody, runAdapterConformance } from './support/adapterConformance.ts'

/** A header only the gate may read: the adapter must strip it. */
const overrides = '{"amount":"1"}'

const mountExpress: Mount = async (gate, served) => {
  const app = express()
  app.use(paymentMiddleware(gate))
  app.use(express.json())
  const count = (name: string) => {
    served[name] = (served[name] ?? 0) + 1
  }
  app.get('/free', (_req, res) => {
    res.send('free')
  })
  app.get('/weather', (_req, res) => {
    count('weather')
    res.json({ forecast: 'sunny', note: paidBody })
  })
  app.get('/legacy', (_req, res) => {
    res.json({ note: paidBody })
  })
  app.get('/fails', (_req, res) => {
    res.set('Settlement-Overrides', overrides).status(500).json({ error: 'boom' })
  })
  app.get('/whoami', (_req, res) => {
    res.set('Settlement-Overrides', overrides).json(res.locals.x402)
  })
  app.get('/api/:id/data', (req, res) => {
    res.json({ id: req.params.id, note: paidBody })
  })
  app.get('/stream', (_req, res) => {
    res.setHeader('content-type', 'text/plain')
    res.write('part1-')
    setTimeout(() => res.end(`${paidBody}-part2`), 20)
  })
  app.post('/orders', (req, res) => {
    res.json({ ordered: (req.body as { item: string }).item, note: paidBody })
  })
  const server: Server = await new Promise((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening))
  })
  const port = (server.address() as AddressInfo).port
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}

runAdapterConformance('express', mountExpress)
