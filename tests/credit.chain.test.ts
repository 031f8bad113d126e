/**
 * Serve first, pay later, on the devnet: agents with an ERC-8004 identity and a good name among
 * the merchant's reviewers are served before their payment settles; everyone else pays first.
 * Exposure is bounded per agent under concurrency, and a credited payment that fails to settle
 * becomes a debt that survives a restart and stops further credit.
 */
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { MemoryCreditBook } from '@tollgate/core'
import { openLedger, SqlCreditBook } from '@tollgate/ledger'
import { SIGN_IN_WITH_X } from '@tollgate/trust'
import { describe, expect, it } from 'vitest'
import {
  agentOwner,
  agents,
  brokeWallet,
  call,
  closers,
  creditServer,
  merchantBalance,
  type Prepared,
  prepare,
  price,
  setUpCreditStack,
  stack,
  untrustedWallet,
} from './support/creditStack.ts'
import { payerAccount } from './support/stack.ts'

setUpCreditStack()

describe('serve first, pay later', () => {
  it('serves a trusted agent before its payment settles, then settles it in the background', async () => {
    const book = new MemoryCreditBook()
    const server = await creditServer(book)
    const before = await merchantBalance()
    const prepared = await prepare(
      `${server.url}/weather`,
      agents.trusted,
      payerAccount(stack.manifest),
    )
    const served = await call(`${server.url}/weather`, prepared)
    expect(served).toMatchObject({ status: 200, body: { forecast: 'sunny' } })
    expect(served.receipt).toMatchObject({
      success: true,
      transaction: '',
      extra: { credit: { state: 'outstanding' } },
    })
    expect(await merchantBalance()).toBe(before)
    expect((await book.outstanding()).map((entry) => entry.amount)).toEqual([price])

    await server.gate.settleCredited()
    const [entry] = (await book.agents()).filter((row) => row.agent.endsWith(`:${agents.trusted}`))
    expect(entry).toMatchObject({ outstanding: 0n, settled: price })
    expect(await book.outstanding()).toEqual([])
    expect(await merchantBalance()).toBe(before + price)
  })

  it('makes an agent the reviewers rate low pay first, and one that signs in as nobody too', async () => {
    const book = new MemoryCreditBook()
    const server = await creditServer(book)
    const before = await merchantBalance()
    const paid = await call(
      `${server.url}/weather`,
      await prepare(`${server.url}/weather`, agents.untrusted, untrustedWallet),
    )
    expect(paid.status).toBe(200)
    expect(paid.receipt?.transaction).toMatch(/^0x[0-9a-f]{64}$/)
    expect(await merchantBalance()).toBe(before + price)
    expect(await book.outstanding()).toEqual([])
  })

  it('never lets 50 concurrent requests of one trusted agent exceed its cap', async () => {
    const book = new MemoryCreditBook()
    const server = await creditServer(book, 5n * price)
    const url = `${server.url}/weather`
    const prepared: Prepared[] = []
    for (let i = 0; i < 50; i++)
      prepared.push(await prepare(url, agents.trusted, payerAccount(stack.manifest)))
    const answers = await Promise.all(prepared.map((one) => call(url, one)))
    expect(answers.every((answer) => answer.status === 200)).toBe(true)
    const credited = answers.filter((answer) => answer.receipt?.transaction === '')
    const paidFirst = answers.filter((answer) =>
      /^0x[0-9a-f]{64}$/.test(answer.receipt?.transaction ?? ''),
    )
    expect(credited).toHaveLength(5)
    expect(paidFirst).toHaveLength(45)
    const outstanding = (await book.outstanding()).reduce((sum, entry) => sum + entry.amount, 0n)
    expect(outstanding).toBe(5n * price)
    await server.gate.settleCredited()
    expect(await book.outstanding()).toEqual([])
  })

  it('records a credited payment that fails to settle as a debt that survives a restart and stops credit', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'tollgate-credit-'))
    const ledger = await openLedger({ dataDir })
    const first = await creditServer(new SqlCreditBook(ledger.sql))
    const url = `${first.url}/weather`
    const served = await call(url, await prepare(url, agents.broke, brokeWallet))
    expect(served).toMatchObject({ status: 200, receipt: { transaction: '' } })
    await first.gate.settleCredited()
    await first.stop()
    await ledger.close()

    const reopened = await openLedger({ dataDir })
    closers.push(() => reopened.close())
    const book = new SqlCreditBook(reopened.sql)
    const [debt] = (await book.agents()).filter((row) => row.agent.endsWith(`:${agents.broke}`))
    expect(debt).toMatchObject({ outstanding: 0n, defaulted: price })
    const second = await creditServer(book)
    const again = await call(
      `${second.url}/weather`,
      await prepare(`${second.url}/weather`, agents.broke, brokeWallet),
    )
    // No credit now: the payment is verified first, and this wallet cannot cover it.
    expect(again.status).toBe(402)
    expect(again.body).toMatchObject({ error: 'invalid_exact_evm_insufficient_balance' })
  })
})

describe('forged identity through the gate', () => {
  it('refuses a sign-in by a key that is not the agent wallet, a reused nonce and another route', async () => {
    const server = await creditServer(new MemoryCreditBook())
    const weather = `${server.url}/weather`
    const notTheWallet = await prepare(
      weather,
      agents.trusted,
      agentOwner,
      payerAccount(stack.manifest),
    )
    expect((await call(weather, notTheWallet)).body).toMatchObject({
      error: 'invalid_siwx_not_agent_wallet',
    })

    const honest = await prepare(weather, agents.trusted, payerAccount(stack.manifest))
    expect((await call(weather, honest)).status).toBe(200)
    // The same sign-in with a new payment: the nonce is spent.
    const replay = await prepare(weather, agents.trusted, payerAccount(stack.manifest))
    replay.headers[SIGN_IN_WITH_X] = honest.headers[SIGN_IN_WITH_X]!
    expect((await call(weather, replay)).body).toMatchObject({ error: 'invalid_siwx_nonce' })

    const forWeather = await prepare(weather, agents.trusted, payerAccount(stack.manifest))
    const forecast = await call(`${server.url}/forecast`, forWeather)
    expect(forecast.body).toMatchObject({ error: 'invalid_siwx_operation_mismatch' })
  })
})
