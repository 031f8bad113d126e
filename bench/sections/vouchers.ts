import { encodePaymentHeader, type PaymentRequirements } from '@tollgate/core'
import { ANVIL_ACCOUNTS, DEVNET_ROLES } from '@tollgate/devnet'
import { exactEvmClient, nativeRecovery, recoverSigner } from '@tollgate/evm'
import { createPublicClient, type Hex, http } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { channelOf, depositHeader, paidGet, voucherHeaders, voucherOffer } from '../lib/channels.ts'
import { round, summarize } from '../lib/load.ts'
import { type HeaderList, saturate } from '../lib/saturate.ts'
import { startService } from '../lib/service.ts'
import { type Bench, log, post, ratio } from '../lib/setup.ts'

/**
 * What no gate can go below on this machine, driven as the vouchers are (the same connections,
 * the same headers): Node's HTTP server alone, and a server doing only what every voucher gate
 * must (decode the header, one signature recovery). The second is the ceiling per core.
 */
async function floorOf(bench: Bench, lists: readonly HeaderList[]) {
  const measure = async (file: string) => {
    const service = await startService(file, bench.env)
    try {
      return await saturate(service, '/voucher', lists)
    } finally {
      await service.stop()
    }
  }
  const bare = await measure('bareHttp.ts')
  const minimal = await measure('voucherFloor.ts')
  const header = JSON.parse(Buffer.from(lists[0]![0]!.value, 'base64').toString()) as {
    payload: { voucher: { signature: Hex } }
  }
  const digest = `0x${'11'.repeat(32)}` as Hex
  const recoveries = 5_000
  const started = performance.now()
  for (let index = 0; index < recoveries; index++)
    await recoverSigner(digest, header.payload.voucher.signature)
  return {
    bareHttpCpuUsPerRequest: round(bare.apiCpuMsPerRequest * 1000, 1),
    recoveryUs: round(((performance.now() - started) * 1000) / recoveries, 1),
    nativeRecovery,
    decodeAndRecoverCpuUsPerRequest: round(minimal.apiCpuMsPerRequest * 1000, 1),
    ceilingPerCore: minimal.perApiCpuSecond,
  }
}

/** `total` headers dealt into `connections` lists of equal length (the remainder is dropped). */
function dealt<T>(items: readonly T[], connections: number): T[][] {
  const each = Math.floor(items.length / connections)
  return Array.from({ length: connections }, (_, index) =>
    items.slice(index * each, (index + 1) * each),
  )
}

/**
 * batch-settlement vouchers against exact: throughput through the same Tollgate API (vouchers
 * need no facilitator call; exact verifies and settles each payment), the reference's exact path
 * end to end, gas per request with vouchers claimed 100 and 1,000 at a time against one exact
 * settlement, and a voucher-paid request's latency against an unpaid one.
 */
export async function benchVouchers(bench: Bench, options: { scale: number }) {
  const payer = privateKeyToAccount(ANVIL_ACCOUNTS[DEVNET_ROLES.payer].privateKey)
  const chainId = bench.anvil.chainId
  const api = await startService('tollgateVoucherApi.ts', {
    ...bench.env,
    facilitatorUrl: bench.facilitators.tollgate.url,
  })
  const reference = await startService('referenceApi.ts', {
    ...bench.env,
    facilitatorUrl: bench.facilitators.reference.url,
  })
  const chain = createPublicClient({ transport: http(bench.env.rpcUrl) })
  try {
    const offer = await voucherOffer(`${api.url}/voucher`)
    const deposit = 10n ** 12n
    let salt = 1
    const open = async (requests: number) => {
      const channel = channelOf(payer, offer, salt++)
      const opened = await paidGet(
        `${api.url}/voucher`,
        await depositHeader(payer, offer, channel, deposit, chainId),
      )
      const receipt = JSON.parse(
        Buffer.from(opened.headers.get('PAYMENT-RESPONSE')!, 'base64').toString(),
      ) as { transaction: Hex }
      const headers = await voucherHeaders(payer, offer, channel, 2, requests, chainId)
      return { channel, headers, depositTransaction: receipt.transaction }
    }

    // Vouchers: 16 channels, each paid in order by one worker (a channel's vouchers are sequential).
    const channels = 16
    const perChannel = Math.max(20, Math.round(400 * options.scale))
    log(`vouchers: opening ${channels} channels and signing ${channels * perChannel} vouchers`)
    const opened = await Promise.all(Array.from({ length: channels }, () => open(perChannel + 1)))
    const vouchers = await saturate(
      api,
      '/voucher',
      opened.map(({ headers }) => headers),
    )
    // After the vouchers' own clock stopped: the floor is measured with the same headers.
    const floor = await floorOf(
      bench,
      opened.map(({ headers }) => headers),
    )

    // Exact through the same API, and the reference's exact end to end, with signed payments.
    const exactTotal = Math.max(50, Math.round(300 * options.scale))
    const client = exactEvmClient({ signer: payer })
    const exactHeaders = async (requirements: PaymentRequirements, count: number) =>
      Promise.all(
        Array.from({ length: count }, async () =>
          encodePaymentHeader({
            x402Version: 2,
            accepted: requirements,
            payload: await client.createPayload(requirements, { x402Version: 2 }),
          }),
        ),
      )
    const exactOffer = { ...bench.requirements, maxTimeoutSeconds: 300 }
    const ours = await exactHeaders(exactOffer, exactTotal)
    const exact = await saturate(api, '/paid', dealt(ours, 16))
    const theirs = await exactHeaders(exactOffer, exactTotal)
    const referenceExact = await saturate(reference, '/paid', dealt(theirs, 16))

    // Latency: one request at a time, voucher-paid and unpaid interleaved on the same API.
    const latencyChannel = await open(301)
    const paidLatencies: number[] = []
    const freeLatencies: number[] = []
    for (const header of latencyChannel.headers) {
      let begin = performance.now()
      await paidGet(`${api.url}/voucher`, header)
      paidLatencies.push(performance.now() - begin)
      begin = performance.now()
      const free = await fetch(`${api.url}/free`)
      await free.arrayBuffer()
      freeLatencies.push(performance.now() - begin)
    }
    const latency = { voucher: summarize(paidLatencies, 1), unpaid: summarize(freeLatencies, 1) }

    // Gas: claim everything charged so far (one claim per channel in one transaction), then per
    // channel sizes of 100 and 1,000 requests, each claimed alone and swept.
    await post(`${api.url}/channels/claim`, '', () => true)
    const gasOf = async (hash: string) =>
      (await chain.getTransactionReceipt({ hash: hash as Hex })).gasUsed
    const gasAt = async (requests: number) => {
      const channel = await open(requests)
      for (const header of channel.headers) await paidGet(`${api.url}/voucher`, header)
      const answer = (await (
        await fetch(`${api.url}/channels/claim`, { method: 'POST' })
      ).json()) as {
        claims: { claimed: Array<{ transaction: string }> }
        sweep: { transaction: string }
      }
      const claimGas = await gasOf(answer.claims.claimed[0]!.transaction)
      const sweepGas = await gasOf(answer.sweep.transaction)
      const depositGas = await gasOf(channel.depositTransaction)
      return {
        requests,
        depositGas: Number(depositGas),
        claimGas: Number(claimGas),
        sweepGas: Number(sweepGas),
        claimGasPerRequest: round(Number(claimGas) / requests),
        allInGasPerRequest: round(Number(depositGas + claimGas + sweepGas) / requests),
      }
    }
    log('vouchers: gas at 100 and 1,000 requests per claim')
    const gas = { at100: await gasAt(100), at1000: await gasAt(1000) }
    const settled = (await post(
      `${bench.facilitators.reference.url}/settle`,
      await bench.sign(),
      (json) => json.success === true,
    )) as { transaction: string }
    const referenceExactSettleGas = Number(await gasOf(settled.transaction))

    const ratios = {
      voucherPerSecondVsExact: ratio(vouchers.perSecond, exact.perSecond),
      voucherPerSecondVsReferenceExact: ratio(vouchers.perSecond, referenceExact.perSecond),
      allInGasPerRequestAt100VsReferenceExact: ratio(
        gas.at100.allInGasPerRequest,
        referenceExactSettleGas,
      ),
      allInGasPerRequestAt1000VsReferenceExact: ratio(
        gas.at1000.allInGasPerRequest,
        referenceExactSettleGas,
      ),
    }
    const targets = {
      vouchersPerCoreAtLeast10k: vouchers.perApiCpuSecond >= 10_000,
      gasAt100AtMost0_1xReferenceExact: ratios.allInGasPerRequestAt100VsReferenceExact <= 0.1,
      voucherP50WithinOneMsOfUnpaid: latency.voucher.p50Ms - latency.unpaid.p50Ms <= 1,
    }
    return {
      vouchers,
      floor,
      exact,
      referenceExact,
      latency,
      gas,
      referenceExactSettleGas,
      ratios,
      targets,
    }
  } finally {
    await api.stop()
    await reference.stop()
  }
}
