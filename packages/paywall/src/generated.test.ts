/**
 * Goal: the checked-in bundle is what the browser sources build to, so pages never carry a stale
 * script. Method: bundle `src/browser` in memory with Vite and compare byte for byte.
 */
import { readFile } from 'node:fs/promises'
import { expect, it } from 'vitest'
import {
  bundlePaywallScript,
  generatedModulePath,
  renderGeneratedModule,
} from '../scripts/bundle.ts'

it('src/generated.ts matches a fresh bundle (else: npm run generate -w @tollgate/paywall)', async () => {
  const fresh = renderGeneratedModule(await bundlePaywallScript())
  expect(await readFile(generatedModulePath, 'utf8')).toBe(fresh)
})
