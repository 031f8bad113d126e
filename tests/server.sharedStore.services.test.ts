/**
 * Goal: instances on several machines share a PostgreSQL or Redis store, so a payment is served
 * once across them and a retry on either gets the stored response. Method: the dev stack (its
 * chain and facilitator), real PostgreSQL (a schema per run) and Redis (a prefix per run), two
 * paid API processes on the compiled packages for each.
 */
import type { DevStack } from 'tollgate'
import { afterAll, beforeAll, describe, it } from 'vitest'
import { postgresUrl, redisUrl, requireService, uniqueSchema } from './support/services.ts'
import { startTestStack } from './support/stack.ts'
import { checkTwoInstances } from './support/twoInstances.ts'

let stack: DevStack

beforeAll(async () => {
  await requireService('postgres')
  await requireService('redis')
  stack = await startTestStack()
})
afterAll(() => stack?.stop())

describe('two instances on a shared store', () => {
  it('on PostgreSQL: serve a payment once, replay it on either, refuse it without its id', async () => {
    await checkTwoInstances(stack, {
      kind: 'postgres',
      url: postgresUrl,
      schema: uniqueSchema('responses'),
    })
  })

  it('on Redis: serve a payment once, replay it on either, refuse it without its id', async () => {
    await checkTwoInstances(stack, {
      kind: 'redis',
      url: redisUrl,
      prefix: `${uniqueSchema('responses')}:`,
    })
  })
})
