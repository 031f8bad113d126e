// The floor under the voucher figure: Node's HTTP server answering every request with a fixed
// small JSON body and a receipt-sized header, with no framework and no payment check.
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { announce } from './env.ts'

const body = JSON.stringify({ ok: true })
const receipt = 'x'.repeat(400)
const server = createServer((_request, response) => {
  response.writeHead(200, { 'content-type': 'application/json', 'payment-response': receipt })
  response.end(body)
})
server.keepAliveTimeout = 30_000
server.listen(0, '127.0.0.1', () => {
  announce(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)
})
