// The floor under the voucher figure: Node's HTTP server doing only what any voucher gate must
// do per request, and nothing else: decode the payment header (base64, JSON), recover the
// voucher's signer (the wire format requires one ECDSA recovery per voucher), and answer with a
// small JSON body and a receipt-sized header. No framework, no channel state, no checks.
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { recoverSigner } from '@tollgate/evm'
import type { Hex } from 'viem'
import { announce } from './env.ts'

const body = JSON.stringify({ ok: true })
const receipt = 'x'.repeat(400)
const digest = `0x${'11'.repeat(32)}` as Hex
const server = createServer((request, response) => {
  const header = String(request.headers['payment-signature'])
  const payment = JSON.parse(Buffer.from(header, 'base64').toString()) as {
    payload: { voucher: { signature: Hex } }
  }
  recoverSigner(digest, payment.payload.voucher.signature).then(
    () => {
      response.writeHead(200, { 'content-type': 'application/json', 'payment-response': receipt })
      response.end(body)
    },
    () => {
      response.writeHead(500)
      response.end()
    },
  )
})
server.keepAliveTimeout = 30_000
server.listen(0, '127.0.0.1', () => {
  announce(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)
})
