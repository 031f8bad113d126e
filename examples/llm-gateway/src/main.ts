/**
 * Runs the gateway on the local stack: `npx tollgate dev` in one terminal, then
 * `npm start -w @tollgate-examples/llm-gateway` (or `node dist/main.js`) in another. It is paid in
 * the dev stack's test USDC through its facilitator; PORT and TOLLGATE_MANIFEST say where, and
 * LLM_UPSTREAM_URL (with LLM_UPSTREAM_API_KEY and LLM_UPSTREAM_MODEL) names an OpenAI-compatible
 * server to forward to instead of the local extractive model.
 */
import { serve } from '@hono/node-server'
import { uptoEvmServer } from '@tollgate/evm'
import { readManifest } from '@tollgate/manifest'
import { createGatewayApp, localModelId } from './app.ts'

const fail = (message: string): never => {
  process.stderr.write(`error: ${message}\n`)
  process.exit(1)
}

const manifestPath = process.env.TOLLGATE_MANIFEST ?? '.tollgate/dev.json'
const dev = await readManifest(manifestPath).catch((error: Error) =>
  fail(`cannot read ${manifestPath}: ${error.message}; set TOLLGATE_MANIFEST to read another`),
)
const upstreamUrl = process.env.LLM_UPSTREAM_URL
if (upstreamUrl !== undefined && !URL.canParse(upstreamUrl))
  fail(`LLM_UPSTREAM_URL is not a URL: ${upstreamUrl.slice(0, 200)}`)
const upstream = upstreamUrl
  ? {
      baseUrl: upstreamUrl,
      apiKey: process.env.LLM_UPSTREAM_API_KEY || undefined,
      model: process.env.LLM_UPSTREAM_MODEL || undefined,
    }
  : undefined
const app = createGatewayApp({
  network: dev.network,
  payTo: dev.accounts.merchant.address,
  facilitatorUrl: dev.facilitatorUrl,
  schemes: [uptoEvmServer({ assets: { [dev.network]: dev.asset } })],
  upstream,
})
const port = Number(process.env.PORT ?? 4033)
// The key is never printed: only whether there is one.
const answering = upstream
  ? `forwarding to ${new URL(upstream.baseUrl).origin} (model ${upstream.model ?? 'as asked'}, ${upstream.apiKey ? 'with' : 'without'} an API key)`
  : `answering from the local extractive model ${localModelId}`
const server = serve({ fetch: app.fetch, port, hostname: '127.0.0.1' }, (info) => {
  process.stdout.write(
    `llm gateway on http://127.0.0.1:${info.port}/v1: POST /v1/chat/completions $2 per million tokens (upto, up to 16384 tokens a request), GET /v1/models free; ${answering}\n`,
  )
})
server.on('error', (error: NodeJS.ErrnoException) =>
  fail(
    `cannot listen on 127.0.0.1:${port}: ${error.code === 'EADDRINUSE' ? 'the port is in use; set PORT' : error.message}`,
  ),
)
