/**
 * `npm run compile -w @tollgate/contracts`: compiles contracts/*.sol and rewrites
 * `artifacts/<Name>.json` and `src/generated.ts`. Check the results in; `artifacts.test.ts` fails
 * when they fall behind the sources.
 * @module
 */
import { mkdir, rm, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { ARTIFACTS_DIR, PACKAGE_DIR, renderOutputs } from './render.ts'
import { compileContracts } from './solc.ts'

const contracts = await compileContracts()
const outputs = renderOutputs(contracts)

// Empty the artifacts directory first: a renamed or removed contract must leave no stale file.
await rm(join(PACKAGE_DIR, ARTIFACTS_DIR), { recursive: true, force: true })
for (const [path, content] of outputs) {
  await mkdir(dirname(join(PACKAGE_DIR, path)), { recursive: true })
  await writeFile(join(PACKAGE_DIR, path), content)
}

console.log(`compiled ${contracts.length} contracts with solc ${contracts[0]?.solcVersion}`)
console.log(`wrote ${[...outputs.keys()].join(', ')}`)
