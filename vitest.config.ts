import { defineConfig } from 'vitest/config'

export default defineConfig({
  // Tests run on the TypeScript sources of our packages; the processes they spawn (the CLI, the
  // packed tarballs) run the compiled JavaScript that users get.
  resolve: { conditions: ['@tollgate/source'] },
  ssr: { resolve: { conditions: ['@tollgate/source'] } },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'tests/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 2,
  },
})
