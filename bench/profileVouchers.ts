// Profiling aid: vouchers only, against the voucher bench API. By default the API runs in this
// process and is driven through `app.request`, with no HTTP, so a CPU profile (`node --cpu-prof`)
// shows the gate's own work; VIA=http runs it in its own process behind Node's HTTP server
// (BENCH_PROFILE=<folder> profiles it) and reports that process's CPU.
import { decodePaymentRequiredHeader } from '@tollgate/core'
import { ANVIL_ACCOUNTS, DEVNET_ROLES } from '@tollgate/devnet'
import { privateKeyToAccount } from 'viem/accounts'
import { voucherApp } from './apps/voucherApp.ts'
import { channelOf, depositHeader, voucherHeaders } from './lib/channels.ts'
import { type Service, startService } from './lib/service.ts'
import { setUpBench } from './lib/setup.ts'

const bench = await setUpBench({ reference: false })
let service: Service | undefined
try {
  const env = { ...bench.env, facilitatorUrl: bench.facilitators.tollgate.url }
  service =
    process.env.VIA === 'http' ? await startService('tollgateVoucherApi.ts', env) : undefined
  const app = service ? undefined : voucherApp(env)
  const request = (init?: RequestInit) =>
    service ? fetch(`${service.url}/voucher`, init) : app!.request('/voucher', init)
  const cpuMs = () => {
    if (service) return service.cpuMs()
    const usage = process.cpuUsage()
    return (usage.user + usage.system) / 1000
  }
  const paid = async (header: { name: string; value: string }) => {
    const response = await request({ headers: { [header.name]: header.value } })
    await response.arrayBuffer()
    if (response.status !== 200) throw new Error(`a paid request got ${response.status}`)
  }
  const required = (await request()).headers.get('PAYMENT-REQUIRED')
  const offer = decodePaymentRequiredHeader(required ?? '').accepts.find(
    (accept) => accept.scheme === 'batch-settlement',
  )
  if (!offer) throw new Error('the voucher route offers no batch-settlement')
  const payer = privateKeyToAccount(ANVIL_ACCOUNTS[DEVNET_ROLES.payer].privateKey)
  const channels = Number(process.env.CHANNELS ?? 16)
  const perChannel = Number(process.env.PER_CHANNEL ?? 500)
  const opened = await Promise.all(
    Array.from({ length: channels }, async (_, index) => {
      const channel = channelOf(payer, offer, index + 1)
      await paid(await depositHeader(payer, offer, channel, 10n ** 12n, bench.anvil.chainId))
      return voucherHeaders(payer, offer, channel, 2, perChannel + 1, bench.anvil.chainId)
    }),
  )
  const cpuBefore = cpuMs()
  const started = performance.now()
  await Promise.all(
    opened.map(async (headers) => {
      for (const header of headers) await paid(header)
    }),
  )
  const cpu = cpuMs() - cpuBefore
  const total = channels * perChannel
  process.stdout.write(
    `${JSON.stringify({
      vouchers: total,
      perSecond: Math.round((total / (performance.now() - started)) * 1000),
      cpuUsPerVoucher: Number(((cpu * 1000) / total).toFixed(1)),
    })}\n`,
  )
} finally {
  await service?.stop()
  await bench.stop()
}
