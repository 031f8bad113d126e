/**
 * An owner's limits on an agent's spending, on the devnet. A refused payment is never signed (the
 * signer counts its signatures). Budgets live in the spending store, so they hold when the
 * process restarts, and processes sharing the store (an embedded folder, or PostgreSQL) cannot
 * together spend more than the budget.
 */
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { wrapFetch } from '@tollgate/client'
import { exactEvmClient } from '@tollgate/evm'
import {
  type ApprovalRequest,
  parseSpendingPolicy,
  remoteSigner,
  SpendStore,
  spendingGuard,
} from '@tollgate/wallet'
import type { DevStack } from 'tollgate'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type CliResult, runCli } from './support/cli.ts'
import { postgresUrl, requireService, uniqueSchema } from './support/services.ts'
import { payerAccount, startTestStack, transferCount } from './support/stack.ts'

const postgresAvailable = await requireService('postgres')
let stack: DevStack
let workdir: string

beforeAll(async () => {
  stack = await startTestStack()
  workdir = await mkdtemp(join(tmpdir(), 'tollgate-spending-'))
  // The CLI recognises the devnet's test USDC from the manifest.
  await writeFile(join(workdir, 'dev.json'), JSON.stringify(stack.manifest))
})
afterAll(() => stack?.stop())

const debits = () =>
  transferCount(
    stack.manifest,
    stack.manifest.accounts.payer.address,
    stack.manifest.accounts.merchant.address,
  )
const weather = () => `${stack.manifest.exampleApiUrl}/weather`

describe('a refused payment', () => {
  it('is refused before anything is signed: over a budget, or above the approval threshold', async () => {
    const { manifest } = stack
    const account = payerAccount(manifest)
    let signatures = 0
    const signer = remoteSigner({
      address: account.address,
      signTypedData: (typedData) => {
        signatures++
        return account.signTypedData(typedData)
      },
    })
    const store = await SpendStore.open()
    const asked: ApprovalRequest[] = []
    const pay = (policy: unknown, approve = false) =>
      wrapFetch(fetch, {
        schemes: [exactEvmClient({ signer, assets: { [manifest.network]: manifest.asset } })],
        spending: spendingGuard({
          store,
          policy: parseSpendingPolicy(policy),
          onApproval: async (request) => {
            asked.push(request)
            return approve
          },
        }),
      })
    const before = await debits()
    const budget = { budgets: [{ limit: '$0.0015', per: 'day' }] }
    expect((await pay(budget)(weather())).status).toBe(200)
    expect(signatures).toBe(1)

    await expect(pay(budget)(weather())).rejects.toThrow(
      'would exceed the daily budget of $0.0015: $0.001 spent, $0.0005 left',
    )
    expect(signatures).toBe(1)

    await expect(pay({ approvalAbove: '$0.0005' })(weather())).rejects.toThrow(
      /above \$0\.0005 and needs the owner's approval, which was not given/,
    )
    expect(asked).toEqual([
      expect.objectContaining({ url: weather(), amount: '0.001 USDC', usd: '0.001' }),
    ])
    expect(signatures).toBe(1)
    expect(await debits()).toBe(before + 1)
    // Refusals leave no record behind; the one payment is recorded as settled.
    expect((await store.list()).map((record) => record.state)).toEqual(['settled'])

    // Approved, it goes through.
    expect((await pay({ approvalAbove: '$0.0005' }, true)(weather())).status).toBe(200)
    expect(signatures).toBe(2)
    await store.close()
  })
})

/** `tollgate pay` of the weather route as its own process, with a budget of three payments a day. */
function payOnce(store: string[]): Promise<CliResult> {
  const manifest = ['--manifest', join(workdir, 'dev.json')]
  return runCli(['pay', weather(), '--daily-budget', '0.003', ...manifest, ...store], {
    env: { TOLLGATE_PRIVATE_KEY: stack.manifest.accounts.payer.privateKey },
  })
}

describe('budgets in the spending store', () => {
  it('hold across restarts of the process', async () => {
    const store = ['--store', join(workdir, 'restarts')]
    const before = await debits()
    const results: CliResult[] = []
    // One process after the other, each a fresh start.
    for (let run = 0; run < 4; run++) results.push(await payOnce(store))
    expect(results.map((result) => result.code)).toEqual([0, 0, 0, 1])
    expect(results[3]!.stderr).toContain(
      'would exceed the daily budget of $0.003: $0.003 spent, $0 left (raise it with --max-payment, --daily-budget or --policy)',
    )
    expect(await debits()).toBe(before + 3)
  })

  it('cannot be exceeded by several processes sharing an embedded store', async () => {
    await expectSharedBudgetHolds(['--store', join(workdir, 'shared')])
  })

  it.runIf(postgresAvailable)(
    'cannot be exceeded by several processes sharing PostgreSQL',
    async () => {
      const schema = uniqueSchema('spend')
      await (await SpendStore.open({ databaseUrl: postgresUrl, schema })).close()
      const options = encodeURIComponent(`-c search_path=${schema}`)
      await expectSharedBudgetHolds(['--store-url', `${postgresUrl}?options=${options}`])
    },
  )
})

async function expectSharedBudgetHolds(store: string[]) {
  const before = await debits()
  const results = await Promise.all(Array.from({ length: 6 }, () => payOnce(store)))
  const paid = results.filter((result) => result.code === 0)
  const refused = results.filter((result) => result.code !== 0)
  expect(paid).toHaveLength(3)
  for (const result of refused) expect(result.stderr).toContain('would exceed the daily budget')
  expect(await debits()).toBe(before + 3)
}
