import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import {
  amountText,
  createOpenMandate,
  generateMandateKeys,
  type MandateAmount,
  type MandateKeys,
  publicJwkOf,
  readOpenMandate,
  verifyRoot,
} from '@tollgate/a2a'
import { isTollgateError, toAtomicUnits } from '@tollgate/core'
import { tollgateHome } from '../paths.ts'
import { bold, dim, green, note, UserError } from '../ui.ts'

interface CreateOptions {
  budget: string
  max?: string
  payee?: string[]
  payments?: string
  expires: string
  ownerKey?: string
  agentKey?: string
  out: string
}

export const defaultAgentKeyPath = () => join(tollgateHome(), 'mandate-agent.jwk')
const defaultOwnerKeyPath = () => join(tollgateHome(), 'mandate-owner.jwk')

/** A dollar amount as AP2 writes it: whole cents in USD, else USDC's 6-decimal units. */
function dollars(value: string, flag: string): MandateAmount {
  let micro: bigint
  try {
    micro = toAtomicUnits(value.replace(/^\$/, ''), 6)
  } catch {
    throw new UserError(`${flag} ${value} is not a dollar amount`, 'write it like 5 or 0.25')
  }
  if (micro <= 0n) throw new UserError(`${flag} must be more than zero`)
  return micro % 10_000n === 0n
    ? { amount: Number(micro / 10_000n), currency: 'USD' }
    : { amount: Number(micro), currency: 'USDC' }
}

function duration(value: string): number {
  const match = /^(\d+)(m|h|d)$/.exec(value.trim())
  if (!match)
    throw new UserError(`--expires ${value} is not a duration`, 'write it like 30m, 12h or 7d')
  const unit = { m: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] as 'm' | 'h' | 'd']
  return Number(match[1]) * unit
}

/** A key from its file, or a new one written there (readable by its owner only). */
async function keyAt(file: string, created: string[]): Promise<MandateKeys> {
  try {
    const privateJwk = JSON.parse(await readFile(file, 'utf8'))
    return { privateJwk, publicJwk: publicJwkOf(privateJwk) }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
      throw new UserError(`cannot read the key in ${file}: ${(error as Error).message}`)
  }
  const keys = await generateMandateKeys()
  await mkdir(dirname(file), { recursive: true })
  await writeFile(file, `${JSON.stringify(keys.privateJwk)}\n`, { mode: 0o600 })
  created.push(file)
  return keys
}

export async function createMandate(options: CreateOptions): Promise<void> {
  const budget = dollars(options.budget, '--budget')
  const max = options.max ? dollars(options.max, '--max') : budget
  for (const payee of options.payee ?? [])
    if (!/^0x[0-9a-fA-F]{40}$/.test(payee))
      throw new UserError(`--payee ${payee} is not an address`)
  const payments = options.payments === undefined ? undefined : Number(options.payments)
  if (payments !== undefined && !(Number.isInteger(payments) && payments > 0))
    throw new UserError(`--payments ${options.payments} is not a positive whole number`)
  const created: string[] = []
  const ownerPath = resolve(options.ownerKey ?? defaultOwnerKeyPath())
  const agentPath = resolve(options.agentKey ?? defaultAgentKeyPath())
  const owner = await keyAt(ownerPath, created)
  const agent = await keyAt(agentPath, created)
  const expiresAt = new Date(Date.now() + duration(options.expires))
  const mandate = await createOpenMandate({
    owner,
    agentKey: agent.publicJwk,
    budget,
    amountRange: { max: max.amount, currency: max.currency },
    ...(options.payee?.length ? { payees: options.payee.map((id) => ({ id })) } : {}),
    ...(payments === undefined ? {} : { maxPayments: payments }),
    expiresAt,
  })
  const out = resolve(options.out)
  await writeFile(out, `${mandate}\n`)
  for (const file of created) note(dim(`created key ${file}`))
  note(`${green('signed')} an AP2 open payment mandate for the agent key in ${agentPath}`)
  note(`  budget ${describeAmount(budget)} · each payment at most ${describeAmount(max)}`)
  note(
    `  payees ${options.payee?.join(', ') ?? 'any'}${payments ? ` · at most ${payments} payments` : ''}`,
  )
  note(`  until ${expiresAt.toISOString()}`)
  note(dim(`use it: tollgate a2a send <agent-url> "<task>" --mandate ${options.out}`))
  process.stdout.write(`${out}\n`)
}

export async function showMandate(file: string): Promise<void> {
  let text: string
  try {
    text = (await readFile(file, 'utf8')).trim()
  } catch (error) {
    throw new UserError(`cannot read ${file}: ${(error as Error).message}`)
  }
  try {
    const root = await verifyRoot(text)
    const open = readOpenMandate(root.payload)
    const expired = typeof open.exp === 'number' && open.exp * 1000 <= Date.now()
    process.stdout.write(
      `${bold(open.vct)} · signature valid · ${expired ? 'expired' : 'valid'} until ${open.exp ? new Date(open.exp * 1000).toISOString() : 'no end'}\n`,
    )
    for (const constraint of open.constraints)
      process.stdout.write(`  ${JSON.stringify(constraint)}\n`)
  } catch (error) {
    if (isTollgateError(error))
      throw new UserError(`${file} is not a valid mandate: ${error.message} (${error.reason})`)
    throw error
  }
}

function describeAmount(amount: MandateAmount): string {
  return amountText(amount.amount, amount.currency)
}
