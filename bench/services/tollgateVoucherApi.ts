// The voucher bench API (bench/apps/voucherApp.ts) in its own process.
import { listen } from 'tollgate'
import { voucherApp } from '../apps/voucherApp.ts'
import { announce, readServiceEnv } from './env.ts'

announce((await listen(voucherApp(readServiceEnv()), 0)).url)
