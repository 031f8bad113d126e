import { DefaultRequestHandler } from '@a2a-js/sdk/server'
import { a2aHono, FolderTaskStore, paidAgentCard, paidAgentExecutor } from '@tollgate/a2a'
import type { ResponseStore } from '@tollgate/core'
import { Hono } from 'hono'
import type { ExampleApiOptions } from './exampleApi.ts'

/**
 * The demo's merchant agent at `/a2a` (A2A JSON-RPC, v1.0 and v0.3, card at
 * `/a2a/.well-known/agent-card.json`): a task costs the same as `/weather`, paid with x402 per
 * the A2A extension, and answers with the weather of the city it names. Its tasks are kept in a
 * folder and its payments in the API's store, so a restart neither loses nor doubles one.
 */
export function mountExampleA2a(
  app: Hono,
  options: ExampleApiOptions,
  weatherFor: (city: string) => Record<string, unknown>,
  store: ResponseStore,
): void {
  let agent: Hono | undefined
  app.all('/a2a/*', async (c) => {
    // The card names the agent's own URL, known from the first request.
    agent ??= buildAgent(new URL('/a2a/', c.req.url).href, options, weatherFor, store)
    return agent.fetch(c.req.raw)
  })
  app.all('/a2a', (c) => c.redirect('/a2a/', 308))
}

function buildAgent(
  url: string,
  options: ExampleApiOptions,
  weatherFor: (city: string) => Record<string, unknown>,
  store: ResponseStore,
): Hono {
  const card = paidAgentCard({
    name: 'Tollgate weather agent',
    description: 'Tells the weather of the city you name; each task costs $0.001 in USDC (x402).',
    url,
    skills: [
      {
        id: 'weather',
        name: 'Weather report',
        description: 'The current weather of a city, e.g. "What is the weather in Oslo?"',
        examples: ['What is the weather in Oslo?'],
      },
    ],
    erc8004: options.agentIdentity?.(),
  })
  const executor = paidAgentExecutor({
    facilitator: { url: options.facilitatorUrl },
    schemes: options.schemes,
    pricing: { price: options.price ?? '$0.001', network: options.network, payTo: options.payTo },
    agentUrl: url,
    description: 'A weather report for one city',
    store,
    discovery: { example: 'What is the weather in Oslo?' },
    work: async (task) => {
      const city =
        /\bin\s+([\p{L} .'-]+?)\s*[?.!]*$/u.exec(task.text)?.[1] ?? (task.text.trim() || 'Lisbon')
      const weather = weatherFor(city)
      return {
        text: `${weather.city}: ${weather.temperatureC}°C, ${weather.conditions}.`,
        artifacts: [{ name: 'weather', text: JSON.stringify(weather) }],
      }
    },
  })
  const handler = new DefaultRequestHandler(card, new FolderTaskStore(), executor)
  return new Hono({ strict: false }).route('/a2a', a2aHono(handler))
}
