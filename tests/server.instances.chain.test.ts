/**
 * Goal: two server processes on one machine share the default embedded store (a folder), so a
 * payment is served once across them and a retry on either gets the stored response. Method:
 * the dev stack, two paid API processes on the compiled packages, the real client's signing.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { DevStack } from 'tollgate'
import { afterAll, beforeAll, describe, it } from 'vitest'
import { startTestStack } from './support/stack.ts'
import { checkTwoInstances } from './support/twoInstances.ts'

let stack: DevStack
let folder: string

beforeAll(async () => {
  stack = await startTestStack()
  folder = await mkdtemp(join(tmpdir(), 'tollgate-shared-store-'))
})
afterAll(async () => {
  await stack?.stop()
  await rm(folder, { recursive: true, force: true })
})

describe('two instances on one folder store', () => {
  it('serve a payment once, replay it on either, refuse it without its id', async () => {
    await checkTwoInstances(stack, { kind: 'folder', folder })
  })
})
