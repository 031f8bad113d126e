/**
 * `npm run build -w tollgate`: bundles the command into `bundle/`, one chunk per command, with its
 * dependencies. Loading a few large files is far faster than resolving thousands of small ones,
 * so `tollgate` starts in a fraction of the time; each command's chunk loads only when it runs.
 */
import { rm } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { build } from 'esbuild'

const root = join(dirname(new URL(import.meta.url).pathname), '..')
const outdir = join(root, 'bundle')

/**
 * Left to Node's resolver: packages that find files beside their own module (PGlite's WASM,
 * litesvm's native addon, anvil's binary, the dashboard's built page) and pino, whose transports
 * run in worker threads by file name.
 */
const external = [
  '@electric-sql/pglite',
  '@electric-sql/pglite/*',
  'litesvm',
  '@foundry-rs/anvil',
  '@tollgate/devnet',
  '@tollgate/dashboard',
  'pino',
  'pg-native',
]

await rm(outdir, { recursive: true, force: true })
await build({
  entryPoints: {
    main: join(root, 'src/main.ts'),
    // Beside the chunks, where @tollgate/sql looks for it: the child process that builds the
    // embedded database's templates.
    'chunks/templateBuilder': join(root, '../sql/src/templateBuilder.ts'),
  },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20.19',
  conditions: ['@tollgate/source'],
  external,
  sourcemap: 'linked',
  chunkNames: 'chunks/[name]-[hash]',
  legalComments: 'linked',
  logLevel: 'warning',
  // CommonJS dependencies (the MCP SDK's ajv, pg, ioredis) call require and read __dirname.
  banner: {
    js: [
      "import { createRequire as __tollgateCreateRequire } from 'node:module'",
      'const require = __tollgateCreateRequire(import.meta.url)',
    ].join('\n'),
  },
})
