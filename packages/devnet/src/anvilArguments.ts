/**
 * Options of `startAnvil` and their translation into anvil command-line arguments. Every setting
 * that shapes the chain is passed explicitly, so a newer anvil with other defaults still gives the
 * same accounts and the same EVM rules.
 * @module
 */
import { ANVIL_MNEMONIC } from './anvilAccounts.ts'
import { DevnetError } from './errors.ts'

export type StartAnvilOptions = {
  /** TCP port; 0 or omitted lets anvil pick a free one (no race with other processes). */
  port?: number
  /** @default 31337 */
  chainId?: number
  /** Seconds between blocks (interval mining). Omitted: a block is mined for each transaction. */
  blockTime?: number
  /** @default ANVIL_MNEMONIC ("test test … junk"), which `ANVIL_ACCOUNTS` is derived from */
  mnemonic?: string
  /** Number of funded dev accounts. @default 10 */
  accounts?: number
  /** Interface to listen on. Only loopback: a devnet with well-known keys must not be exposed. */
  host?: '127.0.0.1'
  /** Receives every line anvil prints (stdout and stderr). Without it the output is discarded. */
  onLog?: (line: string) => void
  /** How long to wait for anvil to answer `eth_chainId`. @default 15_000 */
  startTimeoutMs?: number
  /** How long `stop()` waits after SIGTERM, and again after SIGKILL. @default 5_000 */
  stopTimeoutMs?: number
  /** Use this anvil executable instead of the one from `@foundry-rs/anvil`. */
  binaryPath?: string
  /**
   * Keep the states of at most this many recent blocks, in memory only. Omitted: anvil keeps
   * every state, and once its in-memory cache is full writes each new block's out to disk, which
   * slows every block of a long run. A reorganisation or revert can reach this far back only.
   */
  statesKept?: number
}

/** `StartAnvilOptions` with every default filled in. */
export type AnvilSettings = Required<
  Omit<StartAnvilOptions, 'onLog' | 'blockTime' | 'binaryPath' | 'statesKept'>
> &
  Pick<StartAnvilOptions, 'onLog' | 'blockTime' | 'binaryPath' | 'statesKept'>

/** Base's EVM rules (Isthmus is Prague-equivalent), pinned so an anvil upgrade cannot move them. */
const HARDFORK = 'prague'

/** Applies defaults and rejects impossible values before anything is spawned. */
export function resolveAnvilSettings(options: StartAnvilOptions): AnvilSettings {
  const settings: AnvilSettings = {
    port: options.port ?? 0,
    chainId: options.chainId ?? 31337,
    mnemonic: options.mnemonic ?? ANVIL_MNEMONIC,
    accounts: options.accounts ?? 10,
    host: options.host ?? '127.0.0.1',
    startTimeoutMs: options.startTimeoutMs ?? 15_000,
    stopTimeoutMs: options.stopTimeoutMs ?? 5_000,
    ...(options.onLog && { onLog: options.onLog }),
    ...(options.blockTime !== undefined && { blockTime: options.blockTime }),
    ...(options.binaryPath !== undefined && { binaryPath: options.binaryPath }),
    ...(options.statesKept !== undefined && { statesKept: options.statesKept }),
  }
  requireInteger('port', settings.port, 0, 65_535)
  requireInteger('chainId', settings.chainId, 1, Number.MAX_SAFE_INTEGER)
  requireInteger('accounts', settings.accounts, 1, 1_000)
  requireInteger('startTimeoutMs', settings.startTimeoutMs, 1, 600_000)
  requireInteger('stopTimeoutMs', settings.stopTimeoutMs, 1, 600_000)
  if (settings.statesKept !== undefined)
    requireInteger('statesKept', settings.statesKept, 1, 1_000_000)
  if (
    settings.blockTime !== undefined &&
    !(settings.blockTime > 0 && settings.blockTime < 86_400)
  ) {
    throw invalid(`blockTime must be a positive number of seconds, got ${settings.blockTime}`)
  }
  if (settings.mnemonic.trim().split(/\s+/).length < 12) {
    throw invalid('mnemonic must have at least 12 words')
  }
  return settings
}

/** The anvil command line for `settings`. */
export function anvilArguments(settings: AnvilSettings): string[] {
  const args = [
    ['--host', settings.host],
    ['--port', String(settings.port)],
    ['--chain-id', String(settings.chainId)],
    ['--mnemonic', settings.mnemonic],
    ['--accounts', String(settings.accounts)],
    ['--hardfork', HARDFORK],
    // Plain text: the output is parsed (for the listening port) and forwarded to loggers.
    ['--color', 'never'],
  ]
  if (settings.blockTime !== undefined) args.push(['--block-time', String(settings.blockTime)])
  if (settings.statesKept !== undefined) args.push(['--prune-history', String(settings.statesKept)])
  return args.flat()
}

function requireInteger(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw invalid(`${name} must be an integer in [${min}, ${max}], got ${value}`)
  }
}

function invalid(message: string): DevnetError {
  return new DevnetError('INVALID_OPTIONS', `startAnvil: ${message}`)
}
