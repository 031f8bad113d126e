/**
 * `npm run generate -w @tollgate/paywall`: bundles the page's script and writes `src/generated.ts`.
 * The result is checked in, so the package works from a clean clone in any runtime with no build
 * step; `generated.test.ts` fails when it no longer matches the sources.
 */
import { writeFile } from 'node:fs/promises'
import { bundlePaywallScript, generatedModulePath, renderGeneratedModule } from './bundle.ts'

const code = await bundlePaywallScript()
await writeFile(generatedModulePath, renderGeneratedModule(code))
process.stdout.write(`wrote ${generatedModulePath} (${code.length} characters of script)\n`)
