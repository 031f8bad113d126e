/**
 * @module
 * Compliance blocklists of payer and payee addresses. Addresses compare case-insensitively for
 * every chain: for EVM that is exact, and for case-sensitive encodings (base58) it can only
 * block more, never less.
 */
import { readFile, stat } from 'node:fs/promises'
import { type Logger, silentLogger } from '../logger.ts'

export interface Blocklist {
  isBlocked(address: string): Promise<boolean>
}

function addressKey(address: string): string {
  return address.trim().toLowerCase()
}

/** A fixed list, e.g. from configuration. */
export function memoryBlocklist(addresses: Iterable<string>): Blocklist {
  const blocked = new Set(Array.from(addresses, addressKey))
  return {
    async isBlocked(address) {
      return blocked.has(addressKey(address))
    },
  }
}

export interface FileBlocklistOptions {
  /**
   * Longest time a change of the file can go unnoticed: the file's identity (mtime, size, inode)
   * is checked on use at most this often, and the file is read again when it changed.
   * @default 5000
   */
  staleMsMax?: number
  logger?: Logger
  /** Injected clock for tests. */
  now?: () => number
}

/**
 * A list read from a file: a JSON array of strings, or one address per line (blank lines and
 * `#` comments ignored). The first read must succeed, so a typo in the path stops start-up.
 * A later unreadable or malformed version is logged and the last good list stays in force,
 * because an editor saving the file can leave it briefly empty or half-written.
 * @example
 * const blocklist = await fileBlocklist('/etc/tollgate/blocked.txt', { staleMsMax: 10_000 })
 */
export async function fileBlocklist(
  path: string,
  options: FileBlocklistOptions = {},
): Promise<Blocklist> {
  const staleMsMax = options.staleMsMax ?? 5_000
  const logger = options.logger ?? silentLogger
  const now = options.now ?? Date.now
  let version = await fileVersion(path)
  let blocked = parseBlocklist(await readFile(path, 'utf8'), path)
  let checkedAt = now()
  let checking: Promise<void> | undefined

  async function refresh(): Promise<void> {
    try {
      const current = await fileVersion(path)
      if (current === version) return
      blocked = parseBlocklist(await readFile(path, 'utf8'), path)
      version = current
      logger.info({ path, addresses: blocked.size }, 'blocklist reloaded')
    } catch (error) {
      logger.warn({ path, err: String(error) }, 'blocklist reload failed; keeping the last list')
    }
  }

  return {
    async isBlocked(address) {
      if (now() - checkedAt >= staleMsMax) {
        checkedAt = now()
        checking ??= refresh().finally(() => {
          checking = undefined
        })
      }
      // Concurrent callers wait on the same check, so none answers from a list known stale.
      if (checking) await checking
      return blocked.has(addressKey(address))
    },
  }
}

async function fileVersion(path: string): Promise<string> {
  const info = await stat(path, { bigint: true })
  return `${info.mtimeNs}:${info.size}:${info.ino}`
}

/** The addresses of a blocklist file; throws on a JSON array holding anything but strings. */
export function parseBlocklist(text: string, source = 'blocklist'): Set<string> {
  const trimmed = text.trim()
  if (trimmed.startsWith('[')) {
    const parsed: unknown = JSON.parse(trimmed)
    if (!Array.isArray(parsed) || !parsed.every((entry) => typeof entry === 'string')) {
      throw new TypeError(`${source} must be a JSON array of address strings`)
    }
    return new Set(parsed.map(addressKey).filter((entry) => entry !== ''))
  }
  const addresses = new Set<string>()
  for (const line of trimmed.split(/\r?\n/)) {
    const entry = line.replace(/#.*$/, '').trim()
    if (entry !== '') addresses.add(addressKey(entry))
  }
  return addresses
}
