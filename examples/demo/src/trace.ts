/**
 * What travels during one payment, printed as it goes: the agent's requests and answers with their
 * x402 headers decoded, and the server's calls to the facilitator, seen by a proxy in front of it.
 */
import {
  decodeBase64Utf8,
  decodePaymentRequiredHeader,
  decodePaymentResponseHeader,
} from '@tollgate/core'
import { Hono } from 'hono'
import { cyan, dim, line, short } from './print.ts'

export interface Trace {
  on: boolean
}

function describeRequirements(header: string): string {
  const required = decodePaymentRequiredHeader(header)
  return required.accepts
    .map(
      (option) =>
        `${option.scheme} on ${option.network}: ${option.amount} units of ${short(option.asset)} to ${short(option.payTo)}`,
    )
    .join('; ')
}

function describePayment(header: string): string {
  const payment = JSON.parse(decodeBase64Utf8(header) ?? '{}') as {
    accepted?: { scheme?: string; network?: string }
    payload?: { authorization?: Record<string, string>; signature?: string }
  }
  const authorization = payment.payload?.authorization
  if (!authorization) return `${payment.accepted?.scheme} payment`
  return `EIP-3009 transferWithAuthorization ${short(authorization.from ?? '')} → ${short(authorization.to ?? '')}, value ${authorization.value}, nonce ${short(authorization.nonce ?? '')}, valid until ${new Date(Number(authorization.validBefore) * 1000).toISOString().slice(11, 19)} UTC, signature ${short(payment.payload?.signature ?? '')}`
}

/** A fetch that prints the x402 exchange while `trace.on`. */
export function tracingFetch(trace: Trace): typeof fetch {
  return async (input, init) => {
    const request = new Request(input, init)
    if (!trace.on) return fetch(request)
    const path = new URL(request.url)
    const signature = request.headers.get('payment-signature')
    line(
      `   ${cyan('agent →')} ${request.method} ${path.host}${path.pathname}${signature ? ` + PAYMENT-SIGNATURE (${signature.length} bytes of base64)` : ''}`,
    )
    if (signature) line(`     ${dim(describePayment(signature))}`)
    const response = await fetch(request)
    const required = response.headers.get('payment-required')
    const receipt = response.headers.get('payment-response')
    line(
      `   ${cyan('agent ←')} ${response.status}${required ? ' + PAYMENT-REQUIRED' : ''}${receipt ? ' + PAYMENT-RESPONSE' : ''}`,
    )
    if (required) line(`     ${dim(describeRequirements(required))}`)
    if (receipt) {
      const settled = decodePaymentResponseHeader(receipt)
      line(
        `     ${dim(`success ${settled.success}, transaction ${settled.transaction}, payer ${short(settled.payer ?? '')}`)}`,
      )
    }
    return response
  }
}

/**
 * A facilitator in front of the real one that prints the server's `/verify` and `/settle` while
 * `trace.on`: the seller's half of the payment, which the agent never sees.
 */
export function facilitatorProxy(target: string, trace: Trace, seller: string): Hono {
  const app = new Hono()
  app.all('*', async (c) => {
    const url = new URL(c.req.url)
    const forwarded = await fetch(new URL(`${url.pathname}${url.search}`, target), {
      method: c.req.method,
      headers: c.req.raw.headers,
      ...(c.req.method === 'GET' || c.req.method === 'HEAD'
        ? {}
        : { body: await c.req.arrayBuffer() }),
    })
    const body = await forwarded.arrayBuffer()
    if (trace.on && (url.pathname === '/verify' || url.pathname === '/settle')) {
      const answer = JSON.parse(new TextDecoder().decode(body)) as Record<string, unknown>
      const said =
        url.pathname === '/verify'
          ? `isValid ${answer.isValid}${answer.payer ? `, payer ${short(String(answer.payer))}` : ''}${answer.invalidReason ? `, ${answer.invalidReason}` : ''}`
          : `success ${answer.success}, transaction ${answer.transaction}${answer.errorReason ? `, ${answer.errorReason}` : ''}`
      line(
        `   ${cyan(`${seller} → facilitator`)} POST ${url.pathname} ${dim('→')} ${forwarded.status} ${dim(said)}`,
      )
      if (url.pathname === '/verify')
        line(
          `   ${cyan(seller)} ${dim('runs the handler and holds its response until the payment settles')}`,
        )
    }
    const headers = new Headers(forwarded.headers)
    // The body was read, so decoded: its length and encoding are this response's own.
    headers.delete('content-encoding')
    headers.delete('content-length')
    return new Response(body, { status: forwarded.status, headers })
  })
  return app
}
