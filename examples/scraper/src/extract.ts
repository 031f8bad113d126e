import { Readability } from '@mozilla/readability'
import { parseHTML } from 'linkedom'
import TurndownService from 'turndown'

export interface ExtractedPage {
  title: string
  markdown: string
  /** Links found in the page, absolute, without fragments: what a crawl may follow. */
  links: string[]
}

const turndown = new TurndownService({
  headingStyle: 'atx',
  codeBlockStyle: 'fenced',
  bulletListMarker: '-',
})
turndown.remove(['script', 'style', 'noscript', 'iframe'])

/**
 * A page as clean Markdown for an LLM: Readability (Firefox's reader view) finds the article,
 * Turndown writes it as Markdown. A page Readability finds no article in gives its body.
 */
export function extractPage(page: string, url: string): ExtractedPage {
  // A fragment is given a document around it, or linkedom leaves the body empty.
  const html = /<html[\s>]/i.test(page)
    ? page
    : `<!doctype html><html><head></head><body>${page}</body></html>`
  const { document } = parseHTML(html)
  const links = [...document.querySelectorAll('a[href]')]
    .map((anchor) => absolute(anchor.getAttribute('href') ?? '', url))
    .filter((link): link is string => link !== undefined)
  // Readability changes the document it reads: it gets its own copy.
  // linkedom's document is a DOM Document in all Readability uses; its type is its own.
  const article = new Readability(parseHTML(html).document as never).parse()
  const content = article?.content ?? document.body?.innerHTML ?? ''
  const title = article?.title?.trim() || document.title?.trim() || url
  const body = turndown.turndown(content).trim()
  return { title, markdown: `# ${title}\n\n${body}\n`, links: [...new Set(links)] }
}

function absolute(href: string, base: string): string | undefined {
  try {
    const url = new URL(href, base)
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined
    url.hash = ''
    return url.href
  } catch {
    return undefined
  }
}
