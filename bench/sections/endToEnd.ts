import { readReceipt, wrapFetch } from '@tollgate/client'
import { ANVIL_ACCOUNTS, DEVNET_ROLES } from '@tollgate/devnet'
import { exactEvmClient } from '@tollgate/evm'
import { ExactEvmScheme as OfficialEvmClient } from '@x402/evm/exact/client'
import { wrapFetchWithPayment, x402Client } from '@x402/fetch'
import { privateKeyToAccount } from 'viem/accounts'
import { medianRun, type RunFigures, runLoad } from '../lib/load.ts'
import { startService } from '../lib/service.ts'
import { type Bench, log, ratio, type Side, sides } from '../lib/setup.ts'

/**
 * A paid request from first attempt to released response, each side with its own client and
 * middleware, against an unpaid route on the same server. Tollgate's client runs twice: as
 * configured by default (every request waits for its 402, as the official client's does), and
 * with `payAhead` (a URL paid before gets its payment with the first request); and both its
 * options together, `payAhead` against a route with `verify: 'local'` (no `/verify` round trip).
 */
export async function benchEndToEnd(bench: Bench, options: { rounds: number; scale: number }) {
  const apis = {
    tollgate: await startService('tollgateApi.ts', {
      ...bench.env,
      facilitatorUrl: bench.facilitators.tollgate.url,
    }),
    reference: await startService('referenceApi.ts', {
      ...bench.env,
      facilitatorUrl: bench.facilitators.reference.url,
    }),
  }
  const account = privateKeyToAccount(ANVIL_ACCOUNTS[DEVNET_ROLES.payer].privateKey)
  const schemes = [
    exactEvmClient({ signer: account, assets: { [bench.env.network]: bench.env.asset } }),
  ]
  const payingAhead = wrapFetch(fetch, { schemes, payAhead: true })
  const clients: Record<Side, typeof fetch> = {
    tollgate: wrapFetch(fetch, { schemes }),
    reference: wrapFetchWithPayment(
      fetch,
      new x402Client().register('eip155:*', new OfficialEvmClient(account)).setSpendControls(false),
    ),
  }
  const paidRuns: Record<Side, RunFigures[]> = { tollgate: [], reference: [] }
  const aheadRuns: RunFigures[] = []
  const fastestRuns: RunFigures[] = []
  const unpaidRuns: Record<Side, RunFigures[]> = { tollgate: [], reference: [] }
  for (let pass = 0; pass < options.rounds; pass++) {
    for (const side of pass % 2 === 0 ? sides : [...sides].reverse()) {
      const url = apis[side].url
      const paidWith = (client: typeof fetch, path = '/paid') =>
        runLoad(Math.round(60 * options.scale), 1, async () => {
          const response = await client(`${url}${path}`)
          await response.arrayBuffer()
          const receipt = readReceipt(response)
          if (response.status !== 200 || !receipt?.success || receipt.payer !== bench.payer) {
            throw new Error(`${side} paid request failed: HTTP ${response.status}`)
          }
        })
      paidRuns[side].push(await paidWith(clients[side]))
      if (side === 'tollgate') {
        aheadRuns.push(await paidWith(payingAhead))
        fastestRuns.push(await paidWith(payingAhead, '/paid-local'))
      }
      unpaidRuns[side].push(
        await runLoad(Math.round(200 * options.scale), 1, async () => {
          const response = await fetch(`${url}/free`)
          await response.arrayBuffer()
          if (response.status !== 200)
            throw new Error(`${side} free route answered ${response.status}`)
        }),
      )
    }
  }
  for (const api of Object.values(apis)) await api.stop()
  const result = {} as Record<
    Side,
    { paid: RunFigures; unpaid: RunFigures; paidOverUnpaid: number }
  >
  for (const side of sides) {
    const paid = medianRun(paidRuns[side])
    const unpaid = medianRun(unpaidRuns[side])
    result[side] = { paid, unpaid, paidOverUnpaid: ratio(paid.p50Ms, unpaid.p50Ms) }
  }
  const payingAheadPaid = medianRun(aheadRuns)
  const fastestPaid = medianRun(fastestRuns)
  log(
    `paid request p50: tollgate ${result.tollgate.paid.p50Ms} ms (paying ahead ${payingAheadPaid.p50Ms}, and verifying locally ${fastestPaid.p50Ms}), reference ${result.reference.paid.p50Ms} ms`,
  )
  return {
    ...result,
    tollgatePayingAhead: { paid: payingAheadPaid },
    tollgatePayingAheadVerifyingLocally: { paid: fastestPaid },
  }
}
