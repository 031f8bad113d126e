/**
 * Cold starts of the CLI as a user meets them, each a fresh process, as a ratio to `node -e 0` on
 * the same machine in the same run: `tollgate --help`; `tollgate pay` against a local 402 (the
 * time the exchange took at the server is subtracted, so what remains is the CLI's own start,
 * key, policy, spending store and signature); `tollgate mcp` until its first `tools/list` answer.
 * The official client paying the same local 402 from a fresh process is measured beside it.
 */
import { spawn } from 'node:child_process'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { encodePaymentRequiredHeader } from '@tollgate/core'
import { ANVIL_ACCOUNTS } from '@tollgate/devnet'
import { listen } from 'tollgate'
import { toolsListHandshake, toolsListId } from '../../tests/support/mcpStdio.ts'

const root = resolve(import.meta.dirname, '../..')
const cli = join(root, 'packages/cli/bin/tollgate.js')

export interface ColdStartFigures {
  runs: number
  medianMs: {
    nodeNoop: number
    help: number
    pay: number
    payOfficialClient: number
    mcpFirstToolsList: number
  }
  ratioToNode: { help: number; pay: number; mcpFirstToolsList: number }
  /** Tollgate's `pay` ÷ the official `@x402/fetch` client's, both fresh processes. */
  payRatioToOfficialClient: number
  targets: { helpAtMost3x: boolean; payAtMost10x: boolean; mcpAtMost10x: boolean }
}

export async function benchColdStart(runs = 9): Promise<ColdStartFigures> {
  const home = await mkdtemp(join(tmpdir(), 'tollgate-bench-home-'))
  const env = {
    ...process.env,
    HOME: home,
    NO_COLOR: '1',
    TOLLGATE_PRIVATE_KEY: ANVIL_ACCOUNTS[2].privateKey,
    TOLLGATE_SPEND_STORE: join(home, 'spending'),
  }
  const seller = await localPaywall()
  const official = join(root, 'bench/lib/officialPay.mjs')
  try {
    const samples = {
      nodeNoop: [] as number[],
      help: [] as number[],
      pay: [] as number[],
      payOfficialClient: [] as number[],
      mcpFirstToolsList: [] as number[],
    }
    // Interleaved, so a slow moment of the shared machine falls on every kind alike.
    for (let run = 0; run < runs; run++) {
      samples.nodeNoop.push(await timed([process.execPath, '-e', '0'], env))
      samples.help.push(await timed([process.execPath, cli, '--help'], env))
      seller.resetExchange()
      const pay = await timed([process.execPath, cli, 'pay', `${seller.url}/report`], env)
      // The 402, then the signed payment presented: anything less was not a full payment.
      if (seller.requests() !== 2)
        throw new Error(`tollgate pay sent ${seller.requests()} requests`)
      samples.pay.push(pay - seller.exchangeMs())
      seller.resetExchange()
      const officialPay = await timed([process.execPath, official, `${seller.url}/report`], env)
      if (seller.requests() !== 2)
        throw new Error(`the official client sent ${seller.requests()} requests`)
      samples.payOfficialClient.push(officialPay - seller.exchangeMs())
      samples.mcpFirstToolsList.push(await mcpFirstToolsList(env))
    }
    const medianMs = {
      nodeNoop: median(samples.nodeNoop),
      help: median(samples.help),
      pay: median(samples.pay),
      payOfficialClient: median(samples.payOfficialClient),
      mcpFirstToolsList: median(samples.mcpFirstToolsList),
    }
    const ratioToNode = {
      help: round(medianMs.help / medianMs.nodeNoop),
      pay: round(medianMs.pay / medianMs.nodeNoop),
      mcpFirstToolsList: round(medianMs.mcpFirstToolsList / medianMs.nodeNoop),
    }
    return {
      runs,
      medianMs,
      ratioToNode,
      payRatioToOfficialClient: round(medianMs.pay / medianMs.payOfficialClient),
      targets: {
        helpAtMost3x: ratioToNode.help <= 3,
        payAtMost10x: ratioToNode.pay <= 10,
        mcpAtMost10x: ratioToNode.mcpFirstToolsList <= 10,
      },
    }
  } finally {
    await seller.close()
  }
}

/**
 * A seller that always answers 402 for Base Sepolia USDC (a known asset, so the client signs and
 * presents a payment), and keeps the span from the first request's arrival to the last answer.
 */
async function localPaywall() {
  let first: number | undefined
  let last: number | undefined
  let requests = 0
  const header = encodePaymentRequiredHeader({
    x402Version: 2,
    resource: { url: 'http://127.0.0.1/report' },
    accepts: [
      {
        scheme: 'exact',
        network: 'eip155:84532',
        amount: '1000',
        asset: '0x036CbD53842c5426634e7929541eC2318f3dCF7e',
        payTo: ANVIL_ACCOUNTS[3].address,
        maxTimeoutSeconds: 60,
        extra: { name: 'USDC', version: '2' },
      },
    ],
  })
  const server = await listen(
    {
      fetch: () => {
        first ??= performance.now()
        requests += 1
        const response = new Response('{}', {
          status: 402,
          headers: { 'PAYMENT-REQUIRED': header, 'content-type': 'application/json' },
        })
        last = performance.now()
        return response
      },
    },
    0,
  )
  return {
    url: server.url,
    close: server.close,
    resetExchange() {
      first = undefined
      last = undefined
      requests = 0
    },
    requests: () => requests,
    exchangeMs: () => (first !== undefined && last !== undefined ? last - first : 0),
  }
}

/** Wall time of one process from spawn to exit, in milliseconds. */
function timed(command: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((done, fail) => {
    const started = performance.now()
    const child = spawn(command[0]!, command.slice(1), { env, cwd: root, stdio: 'ignore' })
    child.on('error', fail)
    child.on('close', () => done(performance.now() - started))
  })
}

/** From spawn to the `tools/list` answer on stdout, the messages sent at once as a client does. */
function mcpFirstToolsList(env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((done, fail) => {
    const started = performance.now()
    const child = spawn(process.execPath, [cli, 'mcp', '--daily-budget', '1'], { env, cwd: root })
    let output = ''
    child.on('error', fail)
    child.stdout.on('data', (chunk) => {
      output += chunk
      if (output.includes(`"id":${toolsListId}`)) {
        const elapsed = performance.now() - started
        child.kill()
        done(elapsed)
      }
    })
    child.stdin.write(toolsListHandshake('bench'))
  })
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return round(sorted[Math.floor(sorted.length / 2)]!)
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000
}
