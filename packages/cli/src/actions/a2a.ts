import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { TaskState, taskStateToJSON } from '@a2a-js/sdk'
import {
  connectAgent,
  FolderMandateLedger,
  type Hired,
  hireAgent,
  mandatePayer,
} from '@tollgate/a2a'
import type { PayerOptions, PaymentOutcome } from '@tollgate/client'
import { isTollgateError } from '@tollgate/core'
import type { AgentWallet } from '../agentWallet.ts'
import { openAgentWallet } from '../agentWallet.ts'
import type { WalletCliOptions } from '../commands/walletOptions.ts'
import { tollgateHome } from '../paths.ts'
import { connectionFailure, dim, note, UserError } from '../ui.ts'
import { defaultAgentKeyPath } from './mandate.ts'
import { reportOutcome } from './pay.ts'
import { promptHidden } from './prompt.ts'

interface SendOptions extends WalletCliOptions {
  mandate?: string
  agentKey?: string
}

/** The wallet's payer, bound to an AP2 mandate when one is given. */
export async function agentPayer(
  wallet: AgentWallet,
  extra: Partial<PayerOptions>,
  mandate: { file?: string | undefined; agentKey?: string | undefined },
): Promise<PayerOptions> {
  const payer = wallet.payer(extra)
  if (!mandate.file) return payer
  const read = async (file: string, what: string) => {
    try {
      return (await readFile(file, 'utf8')).trim()
    } catch (error) {
      throw new UserError(`cannot read the ${what} ${file}: ${(error as Error).message}`)
    }
  }
  const text = await read(mandate.file, 'mandate')
  const keyFile = mandate.agentKey ?? defaultAgentKeyPath()
  const agentKey = JSON.parse(await read(keyFile, 'agent key'))
  try {
    // One ledger per machine, so every process paying under the mandate holds its budget.
    const ledger = new FolderMandateLedger(join(tollgateHome(), 'mandates'))
    return {
      ...payer,
      ...(await mandatePayer({ mandate: text, agentKey, spending: payer.spending, ledger })),
    }
  } catch (error) {
    if (isTollgateError(error))
      throw new UserError(
        `the mandate ${mandate.file} cannot be used: ${error.message}`,
        `check it with: tollgate mandate show ${mandate.file}`,
      )
    throw error
  }
}

/** Hires the agent at `url` for one task; its answer goes to stdout, the payment to stderr. */
export async function hireFromCli(url: string, text: string, payer: PayerOptions): Promise<Hired> {
  let client: Awaited<ReturnType<typeof connectAgent>>
  try {
    client = await connectAgent(url)
  } catch (error) {
    throw new UserError(
      connectionFailure(error, url) ??
        `cannot read the agent card at ${url}: ${(error as Error).message}`,
      'check the URL: an A2A agent serves its card at /.well-known/agent-card.json',
    )
  }
  return hireAgent(client, text, { ...payer, agentUrl: url })
}

export async function sendTask(url: string, text: string, options: SendOptions): Promise<void> {
  const wallet = await openAgentWallet(options, {
    env: process.env,
    howToRaise: 'raise it with --max-payment, --daily-budget or --policy',
    promptPassword: promptHidden,
  })
  try {
    let outcome: PaymentOutcome | undefined
    const payer = await agentPayer(
      wallet,
      {
        onOutcome: (finished) => {
          outcome = finished
        },
      },
      { file: options.mandate, agentKey: options.agentKey },
    )
    const hired = await hireFromCli(url, text, payer)
    process.stdout.write(`${hired.text}\n`)
    const state = hired.task?.status?.state
    note(
      dim(
        hired.task
          ? `task ${hired.task.id}: ${taskStateName(state)}`
          : 'the agent answered directly',
      ),
    )
    reportOutcome(hired.outcome ?? outcome, wallet.schemes, 'no payment asked')
    if (hired.task && state !== TaskState.TASK_STATE_COMPLETED) process.exitCode = 1
  } finally {
    await wallet.close()
  }
}

/** `input-required`, as A2A v0.3 writes states. */
function taskStateName(state: TaskState | undefined): string {
  return taskStateToJSON(state ?? TaskState.TASK_STATE_UNSPECIFIED)
    .replace(/^TASK_STATE_/, '')
    .toLowerCase()
    .replaceAll('_', '-')
}
