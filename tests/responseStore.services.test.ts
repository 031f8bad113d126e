/**
 * Goal: the PostgreSQL and Redis stores keep the store contract across two connections (two
 * instances). Method: real PostgreSQL (a schema per run) and real Redis (a prefix per run).
 */
import { PostgresResponseStore, RedisResponseStore } from '@tollgate/response-store'
import { beforeAll } from 'vitest'
import { runResponseStoreContract } from './support/responseStoreContract.ts'
import { postgresUrl, redisUrl, requireService, uniqueSchema } from './support/services.ts'

beforeAll(async () => {
  await requireService('postgres')
  await requireService('redis')
})

runResponseStoreContract('postgres', async () => {
  const schema = uniqueSchema('responses')
  const first = await PostgresResponseStore.open(postgresUrl, { schema })
  const second = await PostgresResponseStore.open(postgresUrl, { schema })
  return {
    first,
    second,
    close: async () => {
      await first.close()
      await second.close()
    },
  }
})

runResponseStoreContract('redis', async () => {
  const prefix = `${uniqueSchema('responses')}:`
  const first = new RedisResponseStore({ redis: redisUrl, prefix })
  const second = new RedisResponseStore({ redis: redisUrl, prefix })
  return {
    first,
    second,
    close: async () => {
      await first.close()
      await second.close()
    },
  }
})
