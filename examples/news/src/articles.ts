/** One article: the list shows its title, summary and price for free; the body is sold. */
export interface Article {
  /** Lowercase letters, digits and dashes: it names the article's URL and its purchase file. */
  slug: string
  title: string
  summary: string
  /** Dollars in the network's USDC, e.g. `$0.01`. */
  price: string
  /** `YYYY-MM-DD`. */
  publishedAt: string
  /** Paragraphs of plain text. */
  body: readonly string[]
}

const slugPattern = /^[a-z0-9]+(?:-[a-z0-9]+)*$/
const pricePattern = /^\$(?:0|[1-9]\d*)(?:\.\d{1,6})?$/

/**
 * Checks a catalogue before it is sold: a slug must stay a safe file name and one route, and a
 * price must be dollars the scheme can read. A mistake fails at start-up, not on a request.
 * @throws Error naming the first bad article
 */
export function checkArticles(list: readonly Article[]): void {
  const seen = new Set<string>()
  for (const article of list) {
    if (!slugPattern.test(article.slug))
      throw new Error(`article slug ${JSON.stringify(article.slug)}: use a-z, 0-9 and dashes`)
    if (seen.has(article.slug)) throw new Error(`article slug ${article.slug} is used twice`)
    seen.add(article.slug)
    if (!pricePattern.test(article.price) || Number(article.price.slice(1)) <= 0)
      throw new Error(`article ${article.slug}: price ${article.price} is not dollars like $0.01`)
    if (article.title.trim() === '' || article.body.length === 0)
      throw new Error(`article ${article.slug} needs a title and a body`)
  }
}

/** The articles this site ships with. */
export const articles: readonly Article[] = [
  {
    slug: 'agents-pay-per-call',
    title: 'The API key is not the only way in',
    summary: 'An agent that meets a paid API no longer needs an account: it pays for the one call.',
    price: '$0.01',
    publishedAt: '2026-11-02',
    body: [
      'For twenty years the way into a paid API has been the same: sign up, add a card, copy a key, and keep the key secret forever. That works for a team that calls one service every day. It works badly for an agent that needs one answer from a service it has never met and may never call again.',
      'HTTP has had a status for this since the beginning. 402 Payment Required was reserved and then left unused, because the web had no way for a client to pay a few cents without a form. Stablecoins on cheap chains change that. A server answers 402 with a price and an address; the agent signs an authorization for exactly that amount and sends the request again.',
      'Nothing in the exchange is an account. The server does not learn a name, the agent does not store a key, and the payment is settled before the answer leaves. What remains for the operator is the old question of limits: how much may this agent spend, on what, and who decides.',
    ],
  },
  {
    slug: 'tide-tables',
    title: 'Why the tide is late every day',
    summary:
      'High water comes about fifty minutes later each day. The moon is to blame, and so is the sun.',
    price: '$0.01',
    publishedAt: '2026-11-09',
    body: [
      'Anyone who lives by the sea learns that the tide keeps its own clock. If the water was high at noon today, it will be high at about ten to one tomorrow. Over a month the high tide walks all the way around the day.',
      'The reason is that the tide follows the moon, and the moon is a slow walker. While the earth turns once, the moon moves a little further along its orbit, so the earth has to turn a little more, about fifty minutes, before the same stretch of coast faces the moon again.',
      'The sun pulls on the sea too, less than half as hard. When sun and moon line up, at new and full moon, their pulls add and the tides run high and low: spring tides. A week later they pull at right angles and the tides are timid: neap tides. A tide table is those two rhythms written down for one harbour, with the shape of its coast folded in.',
    ],
  },
  {
    slug: 'a-penny-an-article',
    title: 'A penny an article',
    summary:
      'Readers said for years they would pay for one story, not a subscription. Now they can.',
    price: '$0.02',
    publishedAt: '2026-11-16',
    body: [
      'Ask readers why they do not pay for news and many give the same answer: they do not want another subscription for a site they visit twice a month. They would pay for the one story they came for, if paying were as quick as clicking the link.',
      'Micropayments have been promised for that reader many times. Card fees made a one-cent charge cost more than it earned, and every scheme that pooled small charges into a monthly bill turned back into a subscription with extra steps.',
      'A per-article price settled in a stablecoin has no minimum fee worth the name. The harder problem is the second visit: a reader who paid yesterday should not pay again today. Signing in with the wallet that paid answers it without an account: the site remembers the address, and the reader proves the address is theirs.',
    ],
  },
  {
    slug: 'night-ferry',
    title: 'Notes from the night ferry',
    summary: 'Eleven hours between two ports, and what a ship does while its passengers sleep.',
    price: '$0.005',
    publishedAt: '2026-11-23',
    body: [
      'The ferry leaves at nine in the evening, when the harbour lights are already on. For the first hour the deck is full of people photographing the wake; by midnight the only ones left outside are the crew and a few travellers who cannot sleep.',
      'A ship at night is busier than it looks. The bridge watches the radar and the traffic of other ships, engineers check the engines on their rounds, and the galley starts baking for breakfast long before anyone wakes.',
      'In the morning the coast appears as a grey line and then, quite suddenly, as a town. Cars start their engines in the hold before the ramp is down, as if eleven hours at sea could be made up in the last five minutes.',
    ],
  },
]
