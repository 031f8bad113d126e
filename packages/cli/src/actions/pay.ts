import { createInterface } from 'node:readline/promises'
import { type PaymentOutcome, wrapFetch } from '@tollgate/client'
import { formatAtomicUnits, networkMatches, type SchemeClient } from '@tollgate/core'
import type { ApprovalRequest } from '@tollgate/wallet'
import { openAgentWallet } from '../agentWallet.ts'
import type { WalletCliOptions } from '../commands/walletOptions.ts'
import { dim, explainedFetch, green, note, UserError } from '../ui.ts'
import { promptHidden } from './prompt.ts'

interface PayOptions extends WalletCliOptions {
  max?: string
  method: string
  data?: string
  header: string[]
}

export async function pay(url: string, options: PayOptions): Promise<void> {
  const wallet = await openAgentWallet(
    { ...options, ...(options.max && !options.maxPayment ? { maxPayment: options.max } : {}) },
    {
      env: process.env,
      howToRaise: 'raise it with --max-payment, --daily-budget or --policy',
      promptPassword: promptHidden,
      onApproval: process.stdin.isTTY ? askApproval : undefined,
    },
  )
  try {
    let outcome: PaymentOutcome | undefined
    const pay = wrapFetch(
      explainedFetch(),
      wallet.payer({
        onOutcome: (finished) => {
          outcome = finished
        },
      }),
    )
    const response = await pay(url, {
      method: options.method.toUpperCase(),
      headers: parseHeaders(options.header),
      ...(options.data === undefined ? {} : { body: options.data }),
    })
    process.stdout.write(await response.text())
    process.stdout.write('\n')
    reportOutcome(outcome, wallet.schemes, `HTTP ${response.status}, no payment asked`)
    if (!response.ok) process.exitCode = 1
  } finally {
    await wallet.close()
  }
}

/** One line on stderr saying how the payment went, or `unpaid` when none was asked. */
export function reportOutcome(
  outcome: PaymentOutcome | undefined,
  schemes: readonly SchemeClient[],
  unpaid: string,
): void {
  if (!outcome) {
    note(dim(unpaid))
    return
  }
  const accepted = outcome.payment.accepted
  const asset = schemes
    .find((scheme) => scheme.networks.some((pattern) => networkMatches(pattern, accepted.network)))
    ?.describeAsset(accepted.network, accepted.asset)
  const format = (units: string) =>
    asset ? `${formatAtomicUnits(BigInt(units), asset.decimals)} ${asset.symbol}` : `${units} units`
  const amount = format(accepted.amount)
  const tries = outcome.attempts > 1 ? ` · presented ${outcome.attempts} times` : ''
  if (outcome.state === 'settled') {
    const receipt = outcome.receipt
    const channelCharge = receipt?.extra?.chargedAmount
    // A channel payment names its charge; its amount, when set, is what the request deposited.
    // A usage-based payment is charged what was used, at most what was authorized.
    const charged =
      accepted.scheme === 'batch-settlement' && typeof channelCharge === 'string'
        ? `${format(channelCharge)}${receipt?.amount && /^\d+$/.test(receipt.amount) ? ` from a channel deposit of ${format(receipt.amount)}` : ' with a channel voucher'}`
        : receipt?.amount && /^\d+$/.test(receipt.amount) && receipt.amount !== accepted.amount
          ? `${format(receipt.amount)} (of ${amount} authorized)`
          : amount
    const transaction = receipt?.transaction ? `tx ${receipt.transaction}` : 'no transaction'
    note(
      receipt
        ? `${green('paid')} ${charged} on ${receipt.network} · ${transaction} · payer ${receipt.payer}${tries}`
        : `${green('paid')} ${amount} (the server sent no receipt)${tries}`,
    )
    return
  }
  if (outcome.state === 'pending') {
    note(
      `payment of ${amount} not confirmed yet (${outcome.reason})${tries}: it may still settle; it is recorded as pending and was not paid twice`,
    )
    return
  }
  const transaction = outcome.receipt?.transaction
  note(`not served: ${outcome.reason}${transaction ? ` (tx ${transaction})` : ''}`)
}

async function askApproval(request: ApprovalRequest): Promise<boolean> {
  const reader = createInterface({ input: process.stdin, output: process.stderr })
  try {
    const answer = await reader.question(
      `pay ${request.amount} ($${request.usd}) to ${request.payTo} for ${request.url}? [y/N] `,
    )
    return /^y(es)?$/i.test(answer.trim())
  } finally {
    reader.close()
  }
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
