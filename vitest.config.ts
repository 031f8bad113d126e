import { configDefaults, defineConfig } from 'vitest/config'

const everywhere = (suffix: string) => [
  `packages/*/src/**/*${suffix}`,
  `examples/*/src/**/*${suffix}`,
  `examples/*/test/**/*${suffix}`,
  `tests/**/*${suffix}`,
]

/**
 * Tiers by file suffix: `.chain.test.ts` starts a devnet (anvil, the embedded Solana VM, the dev
 * stack or the CLI that runs one), `.services.test.ts` needs PostgreSQL or Redis,
 * `.browser.test.ts` drives Chromium; every other `.test.ts` is a unit test and needs none.
 */
const tiers = ['.chain.test.ts', '.services.test.ts', '.browser.test.ts']

export default defineConfig({
  // Tests run on the TypeScript sources of our packages; the processes they spawn (the CLI, the
  // packed tarballs) run the compiled JavaScript that users get.
  resolve: { conditions: ['@tollgate/source'] },
  ssr: { resolve: { conditions: ['@tollgate/source'] } },
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: everywhere('.test.ts'),
          exclude: [...configDefaults.exclude, ...tiers.flatMap(everywhere)],
        },
      },
      { extends: true, test: { name: 'chain', include: everywhere('.chain.test.ts') } },
      { extends: true, test: { name: 'services', include: everywhere('.services.test.ts') } },
      { extends: true, test: { name: 'browser', include: everywhere('.browser.test.ts') } },
    ],
  },
})
