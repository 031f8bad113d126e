import { type PayerOptions, readReceipt, wrapFetch } from '@tollgate/client'
import { TollgateError } from '@tollgate/core'
import { best, sentences } from './rank.ts'

/** A page the agent may read, as its catalogue lists it. */
export interface Source {
  url: string
  title: string
  /** A line on what the page covers, searched with the title. */
  about?: string
}

export interface ResearcherOptions {
  /** The pages it chooses from, per question. */
  sources: readonly Source[]
  /** The scraper it buys pages from (`POST <scraperUrl>/scrape`). */
  scraperUrl: string
  /**
   * The agent's own wallet: scheme clients, the most one page may cost, and a spending guard with
   * its budget (`spendingGuard` of `@tollgate/wallet`). A page it may not pay for is skipped.
   */
  wallet: PayerOptions
  /** Pages bought per question at most. @default 3 */
  pagesPerQuestion?: number
}

/** A page read for a report, and what it cost. */
export interface SourceRead {
  /** Its number in the report's citations, from 1. */
  n: number
  url: string
  title: string
  /** The payment for the page: atomic units of the asset, and where it settled. */
  paid: { amount: string; network: string; transaction: string }
}

export interface Report {
  question: string
  /** The whole report in Markdown: summary, findings per source, sources. */
  markdown: string
  sections: { heading: string; text: string }[]
  sources: SourceRead[]
  /** Pages chosen but not read, with the scraper's or the wallet's reason. */
  skipped: { url: string; reason: string }[]
  /** What the pages cost together, in atomic units (the asset of the payments). */
  spent: string
}

/** No page could be read for the question: the reason, and nothing is charged for the report. */
export class ResearchFailed extends Error {
  constructor(
    readonly code: 'question_invalid' | 'no_relevant_sources' | 'sources_unreadable',
    message: string,
    readonly skipped: { url: string; reason: string }[] = [],
  ) {
    super(message)
  }
}

/**
 * Researches a question: picks the catalogue's most relevant pages, buys each from the scraper
 * with the agent's own wallet (one payment a page), and writes a report citing the pages read.
 */
export async function research(question: string, options: ResearcherOptions): Promise<Report> {
  const asked = question.trim()
  if (asked.length < 3 || asked.length > 500)
    throw new ResearchFailed('question_invalid', 'ask a question of 3 to 500 characters')
  const chosen = best(
    asked,
    options.sources,
    (source) => `${source.title} ${source.about ?? ''}`,
    options.pagesPerQuestion ?? 3,
  )
  if (chosen.length === 0)
    throw new ResearchFailed(
      'no_relevant_sources',
      `none of the ${options.sources.length} sources is about "${asked.slice(0, 80)}"`,
    )
  const read: (SourceRead & { markdown: string })[] = []
  const skipped: { url: string; reason: string }[] = []
  // One page at a time: each payment is checked against the budget left after the last.
  for (const source of chosen) {
    const page = await buyPage(source, options)
    if ('reason' in page) skipped.push({ url: source.url, reason: page.reason })
    else read.push({ ...page, n: read.length + 1 })
  }
  if (read.length === 0)
    throw new ResearchFailed(
      'sources_unreadable',
      `no source could be read: ${skipped.map((entry) => `${entry.url} (${entry.reason})`).join('; ')}`,
      skipped,
    )
  return writeReport(asked, read, skipped)
}

async function buyPage(
  source: Source,
  options: ResearcherOptions,
): Promise<(Omit<SourceRead, 'n'> & { markdown: string }) | { reason: string }> {
  let amount = '0'
  const pay = wrapFetch(fetch, {
    ...options.wallet,
    onPayment: (payment) => {
      amount = payment.accepted.amount
      options.wallet.onPayment?.(payment)
    },
  })
  let response: Response
  try {
    response = await pay(new URL('/scrape', options.scraperUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ url: source.url }),
    })
  } catch (error) {
    if (error instanceof TollgateError) return { reason: `${error.code}: ${error.message}` }
    return { reason: `the scraper did not answer: ${(error as Error).message}` }
  }
  const body: unknown = await response.json().catch(() => undefined)
  const receipt = readReceipt(response)
  if (!response.ok || !receipt?.success) {
    const said =
      typeof body === 'object' && body !== null && 'error' in body ? String(body.error) : ''
    return { reason: `scraper answered ${response.status}${said ? ` ${said}` : ''}` }
  }
  const page = body as { url?: unknown; title?: unknown; markdown?: unknown }
  return {
    url: typeof page.url === 'string' ? page.url : source.url,
    title: typeof page.title === 'string' && page.title ? page.title : source.title,
    markdown: typeof page.markdown === 'string' ? page.markdown : '',
    paid: { amount, network: receipt.network, transaction: receipt.transaction },
  }
}

function writeReport(
  question: string,
  read: (SourceRead & { markdown: string })[],
  skipped: { url: string; reason: string }[],
): Report {
  const cited = read.flatMap((page) =>
    sentences(page.markdown).map((sentence) => ({ sentence, n: page.n })),
  )
  const summary = best(question, cited, (entry) => entry.sentence, 3)
  const findings = read.map((page) => {
    const top = best(question, sentences(page.markdown), (sentence) => sentence, 2)
    const lines = top.length > 0 ? top : sentences(page.markdown).slice(0, 1)
    return {
      heading: page.title,
      text:
        lines.length > 0 ? `${lines.join(' ')} [${page.n}]` : `(no text could be read) [${page.n}]`,
    }
  })
  const sourceLines = read.map(
    (page) =>
      `${page.n}. [${page.title}](${page.url}), bought for ${page.paid.amount} units in ${page.paid.transaction}`,
  )
  const sections = [
    {
      heading: 'Summary',
      text:
        summary.length > 0
          ? summary.map((entry) => `${entry.sentence} [${entry.n}]`).join(' ')
          : 'The sources read do not answer the question directly; see the findings.',
    },
    ...findings.map((finding) => ({ heading: `Finding: ${finding.heading}`, text: finding.text })),
    { heading: 'Sources', text: sourceLines.join('\n') },
  ]
  if (skipped.length > 0)
    sections.push({
      heading: 'Not read',
      text: skipped.map((entry) => `- ${entry.url}: ${entry.reason}`).join('\n'),
    })
  const markdown = [
    `# ${question}`,
    ...sections.map((section) => `## ${section.heading}\n\n${section.text}`),
  ].join('\n\n')
  const spent = read.reduce((total, page) => total + BigInt(page.paid.amount), 0n).toString()
  return {
    question,
    markdown: `${markdown}\n`,
    sections,
    sources: read.map(({ markdown: _markdown, ...source }) => source),
    skipped,
    spent,
  }
}
