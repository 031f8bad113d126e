/**
 * The one form a request path is matched in. It is deliberately generous: every percent-encoding
 * is decoded (repeatedly, so double encoding cannot hide a slash), backslashes count as slashes,
 * empty and dot segments are resolved, case and a trailing slash are ignored. Any path a router
 * might dispatch to a paid handler therefore canonicalises to that route; the worst a generous
 * form can do is ask payment for a path that would have been a 404.
 */
export function canonicalPath(rawPath: string): string {
  let path = rawPath.split(/[?#]/, 1)[0] ?? ''
  for (let round = 0; round < 4; round++) {
    const decoded = decodePercent(path)
    if (decoded === path) break
    path = decoded
  }
  const segments: string[] = []
  for (const segment of path.replaceAll('\\', '/').split('/')) {
    if (segment === '' || segment === '.') continue
    if (segment === '..') segments.pop()
    else segments.push(segment)
  }
  return `/${segments.join('/')}`.toLowerCase()
}

/** Decodes each valid %XX byte sequence; malformed ones stay as they are (never throws). */
function decodePercent(path: string): string {
  return path.replace(/(?:%[0-9a-fA-F]{2})+/g, (run) => {
    try {
      return decodeURIComponent(run)
    } catch {
      // Not valid UTF-8: decode byte by byte into Latin-1 so no byte hides a separator.
      return run.replace(/%([0-9a-fA-F]{2})/g, (_, hex: string) =>
        String.fromCharCode(Number.parseInt(hex, 16)),
      )
    }
  })
}
