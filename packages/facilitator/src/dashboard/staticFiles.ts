/**
 * @module
 * The dashboard's built files, served from a folder the host names (the CLI passes
 * `dashboardDist` of `@tollgate/dashboard`, so this package never imports the front end).
 * Hashed assets are cached for good, `index.html` never; nothing outside the folder is served.
 */
import { readFile, stat } from 'node:fs/promises'
import { extname, join, resolve, sep } from 'node:path'
import { reasonOf } from '@tollgate/core'
import type { Context } from 'hono'

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
}

/** Largest file served: the bundle is a few hundred KiB; anything bigger is not ours. */
const fileBytesMax = 8 * 1024 * 1024

/** Same-origin only: the page talks to its own facilitator and loads nothing from elsewhere. */
const securityHeaders = {
  'Content-Security-Policy':
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
}

/** Answers `GET /dashboard/<path>` from `dir`; `path` '' is `index.html`. */
export async function serveDashboardFile(c: Context, dir: string, path: string): Promise<Response> {
  const root = resolve(dir)
  const file = resolve(join(root, path === '' ? 'index.html' : path))
  const known = contentTypes[extname(file)]
  if (
    !file.startsWith(root + sep) ||
    !known ||
    path.split('/').some((part) => part.startsWith('.'))
  ) {
    return c.json(
      { error: reasonOf('NOT_FOUND'), message: `${c.req.path} is not a dashboard file` },
      404,
    )
  }
  const info = await stat(file).catch(() => undefined)
  if (!info?.isFile() || info.size > fileBytesMax) {
    if (path === '') {
      return c.json(
        {
          error: reasonOf('DASHBOARD_NOT_BUILT'),
          message: `no index.html in ${root}: build it with \`npm run build\``,
        },
        503,
      )
    }
    return c.json(
      { error: reasonOf('NOT_FOUND'), message: `${c.req.path} is not a dashboard file` },
      404,
    )
  }
  const body = await readFile(file)
  return c.body(body, 200, {
    'Content-Type': known,
    'Cache-Control': path.startsWith('assets/')
      ? 'public, max-age=31536000, immutable'
      : 'no-cache',
    ...securityHeaders,
  })
}
