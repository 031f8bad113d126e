import { DefaultRequestHandler } from '@a2a-js/sdk/server'
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import {
  a2aHono,
  type Erc8004Identity,
  FolderTaskStore,
  paidAgentCard,
  paidAgentExecutor,
} from '@tollgate/a2a'
import type { ResponseStore, SchemeServer } from '@tollgate/core'
import { type PaidTools, paidTools, serveStatelessMcp } from '@tollgate/mcp'
import { MemoryResponseStore } from '@tollgate/server'
import { paymentMiddleware } from '@tollgate/server/hono'
import { Hono } from 'hono'
import { z } from 'zod'
import { type ResearcherOptions, ResearchFailed, research } from './research.ts'

export { best, bm25, sentences, words } from './rank.ts'
export {
  type Report,
  type ResearcherOptions,
  ResearchFailed,
  research,
  type Source,
  type SourceRead,
} from './research.ts'

export interface ResearchAppOptions extends ResearcherOptions {
  /** CAIP-2 network the reports are paid on, who is paid, and through which facilitator. */
  network: string
  payTo: string
  facilitatorUrl: string
  /** Scheme servers, e.g. `[exactEvmServer()]`. */
  schemes: readonly SchemeServer[]
  /** Dollars a report. @default 0.02 */
  pricePerReport?: number
  /** One store for the three ways in, so a payment buys one report once. @default in memory */
  store?: ResponseStore
  /** The agent's ERC-8004 identity, named in its A2A card. */
  agentIdentity?: () => Erc8004Identity | undefined
}

/** What a failed report means to the buyer: always a 4xx (a 5xx has a payer try again). */
const statusOf = {
  question_invalid: 400,
  no_relevant_sources: 422,
  sources_unreadable: 424,
} as const

/**
 * A research agent paid per report, three ways: `POST /research {question}` over HTTP, an A2A
 * merchant agent at `/a2a/`, and the paid MCP tool `research` at `/mcp`. It buys the pages it
 * reads from a scraper with its own wallet; a report it cannot write is not charged.
 */
export function createResearchApp(options: ResearchAppOptions): Hono {
  const price = `$${(options.pricePerReport ?? 0.02).toFixed(6)}`
  const store = options.store ?? new MemoryResponseStore()
  const app = new Hono()
  app.use(
    '/research',
    paymentMiddleware({
      routes: {
        'POST /research': {
          price,
          network: options.network,
          payTo: options.payTo,
          description: 'A research report with sources, on the question asked',
          mimeType: 'application/json',
          discovery: {
            bodyType: 'json',
            input: { question: 'Why are there two tides a day?' },
            inputSchema: { properties: { question: { type: 'string' } }, required: ['question'] },
          },
        },
      },
      facilitator: { url: options.facilitatorUrl },
      schemes: options.schemes,
      store,
    }),
  )
  app.post('/research', async (c) => {
    const body: unknown = await c.req.json().catch(() => undefined)
    const question =
      typeof body === 'object' && body !== null && 'question' in body ? body.question : undefined
    if (typeof question !== 'string')
      return c.json(
        { error: 'question_invalid', message: 'send a JSON body {"question": "…"}' },
        400,
      )
    try {
      return c.json(await research(question, options))
    } catch (error) {
      if (error instanceof ResearchFailed)
        return c.json(
          { error: error.code, message: error.message, skipped: error.skipped },
          statusOf[error.code],
        )
      throw error
    }
  })
  mountAgent(app, options, price, store)
  mountTool(app, options, price, store)
  return app
}

function mountAgent(app: Hono, options: ResearchAppOptions, price: string, store: ResponseStore) {
  let agent: Hono | undefined
  app.all('/a2a/*', (c) => {
    // The card names the agent's own URL, known from the first request.
    agent ??= buildAgent(new URL('/a2a/', c.req.url).href, options, price, store)
    return agent.fetch(c.req.raw)
  })
  app.all('/a2a', (c) => c.redirect('/a2a/', 308))
}

function buildAgent(url: string, options: ResearchAppOptions, price: string, store: ResponseStore) {
  const card = paidAgentCard({
    name: 'Tollgate research agent',
    description: `Writes a short research report with its sources; $${options.pricePerReport ?? 0.02} a report in USDC (x402).`,
    url,
    skills: [
      {
        id: 'research',
        name: 'Research report',
        description: 'A multi-section report on a question, citing the pages it read',
        examples: ['Why are there two tides a day?'],
      },
    ],
    erc8004: options.agentIdentity?.(),
  })
  const executor = paidAgentExecutor({
    facilitator: { url: options.facilitatorUrl },
    schemes: options.schemes,
    pricing: { price, network: options.network, payTo: options.payTo },
    agentUrl: url,
    description: 'A research report with sources',
    name: 'research',
    store,
    discovery: { example: 'Why are there two tides a day?' },
    // A throw fails the task uncharged, with the reason.
    work: async (task) => {
      const report = await research(task.text, options)
      return {
        text: report.markdown,
        artifacts: [{ name: 'report', text: JSON.stringify(report) }],
      }
    },
  })
  const handler = new DefaultRequestHandler(card, new FolderTaskStore(), executor)
  return new Hono({ strict: false }).route('/a2a', a2aHono(handler))
}

function mountTool(app: Hono, options: ResearchAppOptions, price: string, store: ResponseStore) {
  let tools: PaidTools | undefined
  app.all('/mcp', async (c) => {
    tools ??= paidTools({
      facilitator: { url: options.facilitatorUrl },
      schemes: options.schemes,
      network: options.network,
      payTo: options.payTo,
      serverUrl: new URL('/mcp', c.req.url).href,
      store,
    })
    const server = new McpServer({ name: 'tollgate-research', version: '0.1.0' })
    tools.registerTool(
      server,
      'research',
      {
        description: 'A research report with sources on a question',
        inputSchema: { question: z.string().describe('The question to research') },
      },
      { price, discovery: { example: { question: 'Why are there two tides a day?' } } },
      async ({ question }) => {
        try {
          const report = await research(question, options)
          return {
            content: [{ type: 'text', text: report.markdown }],
            structuredContent: { ...report },
          }
        } catch (error) {
          if (!(error instanceof ResearchFailed)) throw error
          // An error result is not charged.
          return {
            isError: true,
            content: [{ type: 'text', text: `${error.code}: ${error.message}` }],
          }
        }
      },
    )
    // Stateless: a server per request; the paid tools' state outlives it.
    return serveStatelessMcp(server, c.req.raw)
  })
}
