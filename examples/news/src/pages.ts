import type { Article } from './articles.ts'

/** What the list says of an article, free to read. */
export interface ArticleListing {
  slug: string
  title: string
  summary: string
  price: string
  publishedAt: string
  url: string
}

export function escapeHtml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;')
}

const style = `body{font:18px/1.55 Georgia,serif;max-width:40rem;margin:2rem auto;padding:0 1rem;color:#222}
h1{font-size:1.8rem;line-height:1.2}a{color:#0b5394}.meta{color:#666;font-size:.9rem}
li{margin:0 0 1.2rem}.price{font-family:system-ui,sans-serif;font-size:.85rem;color:#555}`

function page(title: string, content: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${style}</style>
</head>
<body>
${content}
</body>
</html>
`
}

/** The front page: every article with its summary and price. */
export function listPage(siteName: string, listings: readonly ArticleListing[]): string {
  const items = listings
    .map(
      (item) => `<li><a href="${escapeHtml(item.url)}">${escapeHtml(item.title)}</a>
<span class="price">${escapeHtml(item.price)}</span><br>${escapeHtml(item.summary)}</li>`,
    )
    .join('\n')
  return page(
    siteName,
    `<h1>${escapeHtml(siteName)}</h1>
<p class="meta">Articles are sold one by one. A reader who paid signs in with the same wallet to read again for free.</p>
<ul>
${items}
</ul>`,
  )
}

/** One article, whole. */
export function articlePage(siteName: string, article: Article): string {
  const paragraphs = article.body.map((text) => `<p>${escapeHtml(text)}</p>`).join('\n')
  return page(
    `${article.title} · ${siteName}`,
    `<p class="meta"><a href="/">${escapeHtml(siteName)}</a> · ${escapeHtml(article.publishedAt)}</p>
<article>
<h1>${escapeHtml(article.title)}</h1>
${paragraphs}
</article>`,
  )
}

/** A page for a slug that names no article. */
export function missingPage(siteName: string, slug: string): string {
  return page(
    `Not found · ${siteName}`,
    `<h1>No such article</h1><p>There is no article called ${escapeHtml(slug)}. <a href="/">All articles</a></p>`,
  )
}
