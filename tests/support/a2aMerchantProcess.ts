/**
 * A merchant agent in its own process, on the compiled packages, for tests that kill it. Set up by
 * the A2A_MERCHANT_PROCESS environment variable (JSON); prints `{"url": …}` once it listens. Each
 * run of its work appends the task's text to `runsFile`; with `crashInWork` it kills itself with
 * SIGKILL in the middle of its first run (after recording it), before the payment settles.
 */
import { appendFile, readFile } from 'node:fs/promises'
import type { DevManifest } from 'tollgate'
import { startA2aMerchant } from './a2aMerchant.ts'

const config = JSON.parse(process.env.A2A_MERCHANT_PROCESS ?? '{}') as {
  manifest: DevManifest
  folder: string
  port: number
  runsFile: string
  crashInWork?: boolean
}

const merchant = await startA2aMerchant(
  config.manifest,
  config.folder,
  async (task) => {
    const earlier = await readFile(config.runsFile, 'utf8').catch(() => '')
    await appendFile(config.runsFile, `${task.text}\n`)
    if (config.crashInWork && earlier === '') process.kill(process.pid, 'SIGKILL')
    return { text: 'Done.', artifacts: [{ name: 'report', text: `Report: ${task.text}` }] }
  },
  { port: config.port, leaseMs: 1000 },
)
process.stdout.write(`${JSON.stringify({ url: merchant.url })}\n`)
process.on('SIGTERM', () => void merchant.close().then(() => process.exit(0)))
