import { describe, expect, it } from 'vitest'
import { extractPage } from './extract.ts'

const page = `<!doctype html><html><head><title>Tide tables</title><style>body{color:red}</style></head>
<body><nav><a href="/">Home</a> <a href="/about#team">About</a></nav>
<article><h1>Tide tables</h1><p>The tide rises twice a day, <strong>about 50 minutes</strong> later each day.</p>
<h2>Why</h2><p>The moon pulls the sea; the sun pulls it less. Spring tides come at new and full moon, neap tides between.</p>
<ul><li>High water</li><li>Low water</li></ul><script>steal()</script>
<p>See <a href="https://other.example/moon">the moon</a> and <a href="mailto:a@b.c">write</a>.</p></article>
<footer>© the harbour</footer></body></html>`

describe('extractPage', () => {
  it('keeps the article as Markdown, without scripts, styles or the page furniture', () => {
    const { title, markdown, links } = extractPage(page, 'https://harbour.example/tides')
    expect(title).toBe('Tide tables')
    expect(markdown).toMatch(/^# Tide tables\n/)
    expect(markdown).toContain('**about 50 minutes**')
    expect(markdown).toContain('## Why')
    expect(markdown).toMatch(/^-\s+High water$/m)
    expect(markdown).not.toContain('steal()')
    expect(markdown).not.toContain('color:red')
    expect(links).toEqual(
      expect.arrayContaining([
        'https://harbour.example/',
        'https://harbour.example/about',
        'https://other.example/moon',
      ]),
    )
    expect(links.some((link) => link.startsWith('mailto:'))).toBe(false)
  })

  it('gives the body of a page without an article, and never throws on junk', () => {
    expect(extractPage('<p>just one line</p>', 'https://x.example/').markdown).toContain(
      'just one line',
    )
    for (const junk of ['', '<<<>>>', '<html><body></body></html>', '\u0000\u0001'])
      expect(typeof extractPage(junk, 'https://x.example/').markdown).toBe('string')
  })
})
