/**
 * Scaling out as an operator does it: `tollgate facilitator` run twice with `--database-url` and
 * `--redis-url`. A per-address limit holds across both processes (counted in Redis), one payload
 * settled through both moves money once (claimed in PostgreSQL), and `tollgate ledger
 * --database-url` shows that one payment.
 */
import { randomUUID } from 'node:crypto'
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ANVIL_ACCOUNTS } from '@tollgate/devnet'
import { openLedger } from '@tollgate/ledger'
import { Redis } from 'ioredis'
import type { DevStack } from 'tollgate'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli, startCli, waitFor } from './support/cli.ts'
import { postgresUrl, redisUrl, requireService, uniqueSchema } from './support/services.ts'
import {
  facilitatorBody,
  signPayment,
  startTestStack,
  transferCount,
  weatherRequirements,
} from './support/stack.ts'

const servicesAvailable = (await requireService('postgres')) && (await requireService('redis'))
const cleanEnv = { DATABASE_URL: '', REDIS_URL: '', TOLLGATE_ADMIN_TOKEN: '' }
const VERIFY_LIMIT = 4

describe.runIf(servicesAvailable)('two `tollgate facilitator` processes', () => {
  let stack: DevStack
  let redis: Redis
  let databaseUrl: string
  const keyPrefix = `tollgate-test:${randomUUID()}`
  const running: ReturnType<typeof startCli>[] = []
  const urls: string[] = []

  beforeAll(async () => {
    stack = await startTestStack()
    redis = new Redis(redisUrl)
    const schema = uniqueSchema('cli_scaleout')
    await (await openLedger({ databaseUrl: postgresUrl, schema })).close()
    databaseUrl = `${postgresUrl}${postgresUrl.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`
    const configPath = join(await mkdtemp(join(tmpdir(), 'tollgate-scaleout-')), 'config.json')
    await writeFile(
      configPath,
      JSON.stringify({
        port: 0,
        batch: false,
        operator: {
          trustProxy: true,
          rateLimits: { verify: { ip: { points: VERIFY_LIMIT, durationSeconds: 60 } }, keyPrefix },
        },
        networks: [
          {
            network: stack.manifest.network,
            rpcUrl: stack.manifest.rpcUrl,
            signers: ['$FACILITATOR_KEY'],
            assets: [stack.manifest.asset],
            multicall3: stack.manifest.multicall3,
          },
        ],
      }),
    )
    for (let index = 0; index < 2; index++) {
      const child = startCli(
        [
          'facilitator',
          '--config',
          configPath,
          '--database-url',
          databaseUrl,
          '--redis-url',
          redisUrl,
        ],
        { env: { ...cleanEnv, FACILITATOR_KEY: ANVIL_ACCOUNTS[6].privateKey } },
      )
      running.push(child)
      await waitFor(
        () => child.output.stdout.includes('facilitator listening'),
        'the facilitator',
      ).catch((error: Error) => {
        throw new Error(`${error.message}\n${child.output.stdout}${child.output.stderr}`)
      })
      const line = child.output.stdout.split('\n').find((text) => text.includes('listening'))!
      urls.push((JSON.parse(line) as { url: string }).url)
    }
  }, 120_000)

  afterAll(async () => {
    for (const child of running) {
      child.child.kill('SIGTERM')
      expect(await child.exited).toBe(0)
    }
    if (redis) {
      const keys = await redis.keys(`${keyPrefix}*`)
      if (keys.length > 0) await redis.del(...keys)
      redis.disconnect()
    }
    await stack?.stop()
  })

  const post = (url: string, path: string, body: unknown, address: string) =>
    fetch(`${url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': address },
      body: JSON.stringify(body),
    })

  it('limit an address together, through Redis', async () => {
    const requirements = weatherRequirements(stack.manifest)
    const body = facilitatorBody(await signPayment(stack.manifest, requirements), requirements)
    // A process counts in memory until its Redis connection is up: wait until each one's
    // requests reach Redis (one address per process, so the address under test starts at zero).
    for (const [index, url] of urls.entries()) {
      const warmUp = `198.51.100.${index + 10}`
      await waitFor(async () => {
        await post(url, '/verify', body, warmUp)
        return (await redis.get(`${keyPrefix}:verify:ip:${warmUp}`)) !== null
      }, 'the Redis connection')
    }

    const address = '203.0.113.7'
    const statuses: number[] = []
    for (let index = 0; index < VERIFY_LIMIT + 2; index++)
      statuses.push((await post(urls[index % 2]!, '/verify', body, address)).status)
    expect(statuses).toEqual([...Array(VERIFY_LIMIT).fill(200), 429, 429])
    expect(await redis.get(`${keyPrefix}:verify:ip:${address}`)).toBe(String(VERIFY_LIMIT + 2))
  })

  it('settle one payload sent to both at once exactly once, and the ledger shows it', async () => {
    const { manifest } = stack
    const requirements = weatherRequirements(manifest)
    const payer = manifest.accounts.payer.address
    const merchant = manifest.accounts.merchant.address
    const before = await transferCount(manifest, payer, merchant)
    const body = facilitatorBody(await signPayment(manifest, requirements), requirements)
    const answers = await Promise.all(
      Array.from({ length: 20 }, async (_, index) => {
        const response = await post(urls[index % 2]!, '/settle', body, `192.0.2.${index}`)
        return (await response.json()) as Record<string, unknown>
      }),
    )
    const successes = answers.filter((answer) => answer.success === true)
    expect(successes.length).toBeGreaterThan(0)
    const transactions = new Set(successes.map((answer) => answer.transaction))
    expect(transactions.size).toBe(1)
    for (const answer of answers.filter((candidate) => candidate.success !== true))
      expect(answer.errorReason).toBe('settlement_pending')
    expect(await transferCount(manifest, payer, merchant)).toBe(before + 1)

    const listed = await runCli(['ledger', '--json', '--database-url', databaseUrl], {
      env: cleanEnv,
    })
    expect(listed.code).toBe(0)
    const payments = JSON.parse(listed.stdout) as Array<Record<string, unknown>>
    expect(payments).toEqual([
      expect.objectContaining({ state: 'confirmed', transaction: [...transactions][0] }),
    ])
  })
})
