/**
 * The pages the research agent may read, served on this machine so the demo needs no internet:
 * four about agents paying for APIs and one that is not, which a good report leaves out.
 */
import type { Source } from '@tollgate-examples/research'
import { Hono } from 'hono'

const pages: Record<string, { title: string; about: string; paragraphs: string[] }> = {
  '/http-402': {
    title: 'HTTP 402 Payment Required',
    about: 'the status code an API answers to ask an agent for payment, and x402',
    paragraphs: [
      'HTTP has had a status code for payment since 1997, 402 Payment Required, reserved for a future that took a long time to come.',
      'With x402 a server answers 402 with what it wants: the amount, the asset, the network and who is paid. The agent signs a payment authorization and sends the same request again with it in a header, with no account and no redirect.',
      'The server asks a facilitator to check the authorization, runs the request, and releases the answer once the payment has settled on chain.',
    ],
  },
  '/facilitators': {
    title: 'What a facilitator does',
    about: 'how a facilitator verifies and settles an agent payment on chain and pays the gas',
    paragraphs: [
      'A facilitator stands between an API and the chain so that neither the API nor the agent needs to run a node or hold gas.',
      'It verifies a payment before the API does the work: the signature, the amount, the time window and the payer balance. It then settles the payment by submitting the signed transfer and paying the gas itself.',
      'Because the agent signs an EIP-3009 authorization with a unique nonce, the same payment cannot be settled twice, and a payment that fails to settle is never served.',
    ],
  },
  '/stablecoins': {
    title: 'Stablecoins for agent payments',
    about: 'why agents pay APIs in USDC: small amounts, fast settlement, a budget in dollars',
    paragraphs: [
      'Agents pay in USDC because a dollar is a dollar: a price of a tenth of a cent means the same tomorrow.',
      'A payment of a fraction of a cent costs less to settle on a rollup than it is worth, so an agent can pay per request instead of per month.',
      'An agent owner gives it a budget in dollars, and the wallet refuses any payment that would go over it before anything is signed.',
    ],
  },
  '/erc-8004': {
    title: 'Trust between agents: ERC-8004',
    about:
      'identity and reputation registries that let an API decide which agent to serve on credit',
    paragraphs: [
      'ERC-8004 gives an agent an on-chain identity, and lets the agents it paid rate it, each rating resting on a settled payment.',
      'An API that trusts the reviewers can serve a well-rated agent first and settle its payment afterwards, which agents experience as paying later.',
    ],
  },
  '/sourdough': {
    title: 'Sourdough at home',
    about: 'baking bread with a starter, flour and water',
    paragraphs: [
      'A sourdough starter is flour and water that wild yeast has made its home. Fed every day, it raises a loaf without any bought yeast.',
      'A long cold proof in the refrigerator gives the crumb its open texture and the crust its colour.',
    ],
  },
}

/** The library as a web site: one HTML page per entry. */
export function libraryApp(): Hono {
  const app = new Hono()
  for (const [path, page] of Object.entries(pages))
    app.get(path, (c) =>
      c.html(
        `<!doctype html><html><head><title>${page.title}</title></head><body><article><h1>${page.title}</h1>${page.paragraphs.map((text) => `<p>${text}</p>`).join('')}</article></body></html>`,
      ),
    )
  return app
}

/** The library as the research agent's catalogue of sources. */
export function librarySources(base: string): Source[] {
  return Object.entries(pages).map(([path, page]) => ({
    url: `${base}${path}`,
    title: page.title,
    about: page.about,
  }))
}
