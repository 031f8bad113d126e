/**
 * The operator's commands as a user runs them (child processes): `tollgate ledger` against the
 * dev stack and against PostgreSQL, `tollgate facilitator keys …` on PostgreSQL and on an
 * embedded ledger folder, and a facilitator started with `apiKeys.required` that refuses a
 * request without a key and accepts the key `keys add` printed.
 */
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { readReceipt, wrapFetch } from '@tollgate/client'
import { ANVIL_ACCOUNTS } from '@tollgate/devnet'
import { exactEvmClient } from '@tollgate/evm'
import { hashApiKey } from '@tollgate/facilitator'
import { openLedger } from '@tollgate/ledger'
import type { DevStack } from 'tollgate'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli, startCli, waitFor } from './support/cli.ts'
import { postgresUrl, requireService, uniqueSchema } from './support/services.ts'
import {
  facilitatorBody,
  payerAccount,
  signPayment,
  startTestStack,
  weatherRequirements,
} from './support/stack.ts'

const postgresAvailable = await requireService('postgres')
/** Keeps a developer's own settings from choosing the source under test. */
const cleanEnv = { DATABASE_URL: '', TOLLGATE_ADMIN_TOKEN: '' }
let stack: DevStack
let workdir: string

beforeAll(async () => {
  stack = await startTestStack()
  workdir = await mkdtemp(join(tmpdir(), 'tollgate-cli-ledger-'))
})
afterAll(() => stack?.stop())

function json(stdout: string) {
  return JSON.parse(stdout) as Array<Record<string, unknown>>
}

describe('tollgate ledger', () => {
  it('shows a paid request confirmed with its transaction, from the dev stack', async () => {
    const pay = wrapFetch(fetch, {
      schemes: [
        exactEvmClient({
          signer: payerAccount(stack.manifest),
          assets: { [stack.manifest.network]: stack.manifest.asset },
        }),
      ],
    })
    const paid = await pay(`${stack.manifest.exampleApiUrl}/weather`)
    expect(paid.status).toBe(200)
    const transaction = readReceipt(paid)?.transaction
    expect(transaction).toMatch(/^0x[0-9a-f]{64}$/)

    const listed = await runCli(
      ['ledger', '--json', '--facilitator-url', stack.manifest.facilitatorUrl],
      { env: cleanEnv },
    )
    expect(listed.code).toBe(0)
    expect(json(listed.stdout)[0]).toMatchObject({
      state: 'confirmed',
      transaction,
      payer: stack.manifest.accounts.payer.address.toLowerCase(),
      amount: '1000',
      network: stack.manifest.network,
    })
    expect(listed.stdout).not.toMatch(/signature/i)

    // Without --facilitator-url: the facilitator named in ./.tollgate/dev.json, as a table.
    const project = join(workdir, 'project')
    await mkdir(join(project, '.tollgate'), { recursive: true })
    await writeFile(join(project, '.tollgate', 'dev.json'), JSON.stringify(stack.manifest))
    const table = await runCli(['ledger', '--limit', '1'], { cwd: project, env: cleanEnv })
    expect(table.code).toBe(0)
    const [header, row] = table.stdout.trim().split('\n')
    expect(header).toMatch(
      /^ID\s+TIME \(UTC\)\s+STATE\s+PAYER\s+PAYEE\s+AMOUNT\s+NETWORK\s+TRANSACTION/,
    )
    expect(row).toContain('confirmed')
    expect(row).toContain('0.001 USDC')
    expect(row).toContain(transaction)

    const failed = await runCli(
      ['ledger', '--json', '--state', 'failed', '--facilitator-url', stack.manifest.facilitatorUrl],
      { env: cleanEnv },
    )
    expect(json(failed.stdout)).toEqual([])
  })

  it('says what to do when nothing answers or an option is wrong', async () => {
    const nobody = await runCli(['ledger', '--facilitator-url', 'http://127.0.0.1:1'], {
      env: cleanEnv,
    })
    expect(nobody.code).toBe(1)
    expect(nobody.stderr).toContain('no facilitator answers at http://127.0.0.1:1')
    const badState = await runCli(['ledger', '--state', 'settled'], { env: cleanEnv })
    expect(badState.code).toBe(1)
    expect(badState.stderr).toContain('--state takes received, verified')
  })

  it.runIf(postgresAvailable)('reads a PostgreSQL ledger directly', async () => {
    const schema = uniqueSchema('cli_ledger')
    const ledger = await openLedger({ databaseUrl: postgresUrl, schema })
    try {
      const requirements = weatherRequirements(stack.manifest)
      const payload = await signPayment(stack.manifest, requirements)
      const { payment } = await ledger.claim(
        {
          key: 'direct',
          payloadHash: 'hash',
          network: stack.manifest.network,
          scheme: 'exact',
          payer: stack.manifest.accounts.payer.address,
          payTo: requirements.payTo,
          asset: requirements.asset,
          amount: requirements.amount,
          payment: { paymentPayload: payload, paymentRequirements: requirements },
        },
        'test',
        60_000,
      )
      await ledger.transition([payment.id], 'failed', { reason: 'insufficient_funds' })
      const listed = await runCli(['ledger', '--json', '--database-url', schemaUrl(schema)], {
        env: cleanEnv,
      })
      expect(listed.code).toBe(0)
      expect(json(listed.stdout)).toEqual([
        expect.objectContaining({ id: payment.id, state: 'failed', reason: 'insufficient_funds' }),
      ])
      expect(listed.stdout).not.toContain(String(payload.payload.signature).slice(2))
    } finally {
      await ledger.close()
    }
  })
})

/** The test database with `search_path` set to one schema, as a user would pass it. */
function schemaUrl(schema: string): string {
  const options = encodeURIComponent(`-c search_path=${schema}`)
  return `${postgresUrl}${postgresUrl.includes('?') ? '&' : '?'}options=${options}`
}

describe.runIf(postgresAvailable)('tollgate facilitator keys on PostgreSQL', () => {
  it('adds, lists and revokes a key, storing only its hash', async () => {
    const schema = uniqueSchema('cli_keys')
    await (await openLedger({ databaseUrl: postgresUrl, schema })).close()
    const database = ['--database-url', schemaUrl(schema)]
    const added = await runCli(
      ['facilitator', 'keys', 'add', 'acme', '--network', 'base', ...database],
      { env: cleanEnv },
    )
    expect(added.code).toBe(0)
    const key = added.stdout.trim()
    expect(key).toMatch(/^tg_[A-Za-z0-9_-]{43}$/)
    expect(added.stderr).toContain('shown only this once')

    const listed = await runCli(['facilitator', 'keys', 'list', '--json', ...database], {
      env: cleanEnv,
    })
    expect(json(listed.stdout)).toEqual([
      expect.objectContaining({
        keyHash: hashApiKey(key),
        merchant: 'acme',
        networks: ['eip155:8453'],
      }),
    ])
    expect(listed.stdout).not.toContain(key)

    const revoked = await runCli(
      ['facilitator', 'keys', 'revoke', hashApiKey(key).slice(0, 10), ...database],
      { env: cleanEnv },
    )
    expect(revoked.code).toBe(0)
    expect(revoked.stderr).toContain('revoked key')
    const after = await runCli(['facilitator', 'keys', 'list', '--all', '--json', ...database], {
      env: cleanEnv,
    })
    expect(json(after.stdout)[0]).toHaveProperty('revokedAt')
    const again = await runCli(['facilitator', 'keys', 'revoke', key, ...database], {
      env: cleanEnv,
    })
    expect(again.code).toBe(1)
    expect(again.stderr).toContain('no active key matches')
  })
})

describe('a facilitator that requires API keys', () => {
  it('refuses a request without a key and accepts the key `keys add` made', async () => {
    const ledgerDir = join(workdir, 'keys-ledger')
    const adminToken = 'cli-ledger-admin-token-0123456789'
    const added = await runCli(['facilitator', 'keys', 'add', 'acme', '--ledger-dir', ledgerDir], {
      env: cleanEnv,
    })
    expect(added.code).toBe(0)
    const key = added.stdout.trim()
    const configPath = join(workdir, 'keys-facilitator.json')
    await writeFile(
      configPath,
      JSON.stringify({
        port: 0,
        ledgerDir,
        operator: {
          apiKeys: { required: true, source: 'database' },
          adminToken: '$ADMIN_TOKEN',
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
    const running = startCli(['facilitator', '--config', configPath], {
      env: { ...cleanEnv, FACILITATOR_KEY: ANVIL_ACCOUNTS[8].privateKey, ADMIN_TOKEN: adminToken },
    })
    try {
      await waitFor(
        () => running.output.stdout.includes('facilitator listening'),
        'the facilitator',
      ).catch((error: Error) => {
        throw new Error(`${error.message}\n${running.output.stdout}${running.output.stderr}`)
      })
      const listening = running.output.stdout
        .split('\n')
        .find((line) => line.includes('facilitator listening'))!
      const { url } = JSON.parse(listening) as { url: string }
      await checkKeysAndLedger(url, key, adminToken, ledgerDir)
    } finally {
      running.child.kill('SIGTERM')
      expect(await running.exited).toBe(0)
    }
    expect(existsSync(`${ledgerDir}.lock`)).toBe(false)
    expect(running.output.stdout + running.output.stderr).not.toContain(key)
    expect(running.output.stdout + running.output.stderr).not.toContain(adminToken)
  })
})

async function checkKeysAndLedger(url: string, key: string, adminToken: string, ledgerDir: string) {
  const requirements = weatherRequirements(stack.manifest)
  const body = JSON.stringify(
    facilitatorBody(await signPayment(stack.manifest, requirements), requirements),
  )
  const post = (path: string, headers: Record<string, string> = {}) =>
    fetch(`${url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
    })

  const without = await post('/verify')
  expect(without.status).toBe(401)
  expect(await without.json()).toMatchObject({ invalidReason: 'unauthorized' })
  const verified = await post('/verify', { authorization: `Bearer ${key}` })
  expect(verified.status).toBe(200)
  expect(await verified.json()).toMatchObject({ isValid: true })
  const settled = await post('/settle', { 'x-api-key': key })
  const receipt = (await settled.json()) as { success: boolean; transaction: string }
  expect(receipt.success).toBe(true)

  // The embedded ledger is this facilitator's while it runs.
  const busy = await runCli(['facilitator', 'keys', 'list', '--ledger-dir', ledgerDir], {
    env: cleanEnv,
  })
  expect(busy.code).toBe(1)
  expect(busy.stderr).toContain('is in use by process')

  const refused = await runCli(['ledger', '--facilitator-url', url], { env: cleanEnv })
  expect(refused.code).toBe(1)
  expect(refused.stderr).toContain('the facilitator wants its admin token')
  const listed = await runCli(['ledger', '--json', '--facilitator-url', url], {
    env: { ...cleanEnv, TOLLGATE_ADMIN_TOKEN: adminToken },
  })
  expect(listed.code).toBe(0)
  expect(json(listed.stdout)[0]).toMatchObject({
    state: 'confirmed',
    transaction: receipt.transaction,
  })
}
