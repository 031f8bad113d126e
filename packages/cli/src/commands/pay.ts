import { existsSync } from 'node:fs'
import { createInterface } from 'node:readline/promises'
import { Writable } from 'node:stream'
import { readReceipt, wrapFetch } from '@tollgate/client'
import { formatAtomicUnits, type PaymentPayload } from '@tollgate/core'
import { type EvmAsset, exactEvmClient } from '@tollgate/evm'
import type { Command } from 'commander'
import type { Hex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { readManifest } from '../manifest.ts'
import { asPrivateKey, keyFromKeystore } from '../secrets.ts'
import { dim, green, note, UserError } from '../ui.ts'

interface PayOptions {
  max: string
  method: string
  data?: string
  header: string[]
  keystore?: string
  manifest: string
}

export function registerPay(program: Command): void {
  program
    .command('pay')
    .description('fetch a URL, paying its x402 price within a cap (curl for paid APIs)')
    .argument('<url>', 'the URL to fetch')
    .option('--max <usd>', 'largest payment allowed, in dollars', '0.10')
    .option('-X, --method <verb>', 'HTTP method', 'GET')
    .option('-d, --data <body>', 'request body')
    .option('-H, --header <header...>', 'extra request headers, "Name: value"', [])
    .option(
      '--keystore <file>',
      'encrypted JSON keystore (password from TOLLGATE_KEYSTORE_PASSWORD or a prompt)',
    )
    .option('--manifest <path>', 'dev manifest whose test USDC to recognise', '.tollgate/dev.json')
    .action(async (url: string, options: PayOptions) => {
      const signer = privateKeyToAccount(await loadKey(options))
      const assets = await knownAssets(options.manifest)
      let paid: PaymentPayload | undefined
      const pay = wrapFetch(fetch, {
        schemes: [exactEvmClient({ signer, assets })],
        maxPaymentUsd: options.max.startsWith('$') ? options.max : `$${options.max}`,
        onPayment: (payment) => {
          paid = payment
        },
      })
      const response = await pay(url, {
        method: options.method.toUpperCase(),
        headers: parseHeaders(options.header),
        ...(options.data === undefined ? {} : { body: options.data }),
      })
      process.stdout.write(await response.text())
      process.stdout.write('\n')
      reportOutcome(response, paid, assets)
      if (!response.ok) process.exitCode = 1
    })
}

function reportOutcome(
  response: Response,
  paid: PaymentPayload | undefined,
  assets: Record<string, EvmAsset>,
): void {
  const receipt = readReceipt(response)
  if (!paid) {
    note(dim(`HTTP ${response.status}, no payment asked`))
    return
  }
  const asset = assets[paid.accepted.network]
  const amount = asset
    ? `${formatAtomicUnits(BigInt(paid.accepted.amount), asset.decimals)} ${asset.symbol ?? ''}`
    : `${paid.accepted.amount} units`
  if (receipt?.success) {
    note(
      `${green('paid')} ${amount.trim()} on ${receipt.network} · tx ${receipt.transaction} · payer ${receipt.payer}`,
    )
    return
  }
  const reason = receipt?.errorReason ?? `HTTP ${response.status}`
  note(`not served: ${reason}${receipt?.transaction ? ` (tx ${receipt.transaction})` : ''}`)
}

async function loadKey(options: PayOptions): Promise<Hex> {
  if (options.keystore) {
    const password =
      process.env.TOLLGATE_KEYSTORE_PASSWORD ??
      (await promptHidden(`password for ${options.keystore}: `))
    return keyFromKeystore(options.keystore, password)
  }
  const key = process.env.TOLLGATE_PRIVATE_KEY
  if (!key) {
    throw new UserError(
      'no wallet: set TOLLGATE_PRIVATE_KEY or pass --keystore <file>',
      'on the local devnet the payer key is accounts.payer.privateKey in .tollgate/dev.json',
    )
  }
  return asPrivateKey(key, 'TOLLGATE_PRIVATE_KEY')
}

/** The default USDC table plus the devnet's test USDC when a manifest is present. */
async function knownAssets(manifestPath: string): Promise<Record<string, EvmAsset>> {
  if (!existsSync(manifestPath)) return {}
  const manifest = await readManifest(manifestPath)
  return { [manifest.network]: manifest.asset }
}

function parseHeaders(lines: string[]): Headers {
  const headers = new Headers()
  for (const line of lines) {
    const colon = line.indexOf(':')
    if (colon <= 0)
      throw new UserError(`header ${JSON.stringify(line)} must look like "Name: value"`)
    headers.append(line.slice(0, colon).trim(), line.slice(colon + 1).trim())
  }
  return headers
}

async function promptHidden(question: string): Promise<string> {
  if (!process.stdin.isTTY)
    throw new UserError('no keystore password', 'set TOLLGATE_KEYSTORE_PASSWORD')
  const muted = new Writable({ write: (_chunk, _encoding, done) => done() })
  process.stderr.write(question)
  const reader = createInterface({ input: process.stdin, output: muted, terminal: true })
  try {
    return await reader.question('')
  } finally {
    reader.close()
    process.stderr.write('\n')
  }
}
