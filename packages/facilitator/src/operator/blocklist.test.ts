import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Logger } from '../logger.ts'
import { fileBlocklist, memoryBlocklist, parseBlocklist } from './blocklist.ts'

const alice = '0xAbCdEf0000000000000000000000000000000001'
const bob = '0x00000000000000000000000000000000000000b0'

describe('memoryBlocklist', () => {
  it('blocks listed addresses in any letter case, and nothing else', async () => {
    const blocklist = memoryBlocklist([alice])
    expect(await blocklist.isBlocked(alice)).toBe(true)
    expect(await blocklist.isBlocked(alice.toLowerCase())).toBe(true)
    expect(await blocklist.isBlocked(` ${alice.toUpperCase()}`)).toBe(true)
    expect(await blocklist.isBlocked(bob)).toBe(false)
  })
})

describe('parseBlocklist', () => {
  it('reads a JSON array or lines with comments', () => {
    expect(parseBlocklist(`["${alice}", "${bob}"]`)).toEqual(new Set([alice.toLowerCase(), bob]))
    expect(parseBlocklist(`# sanctioned\n${alice}\r\n\n  ${bob}  # since 2026\n`)).toEqual(
      new Set([alice.toLowerCase(), bob]),
    )
    expect(parseBlocklist('')).toEqual(new Set())
  })

  it('refuses a JSON array of anything but strings, and broken JSON', () => {
    expect(() => parseBlocklist('[1, 2]', 'f.json')).toThrow(/f.json must be a JSON array/)
    expect(() => parseBlocklist(`["${alice}"`)).toThrow(SyntaxError)
  })
})

describe('fileBlocklist', () => {
  let dir: string
  let path: string
  let now: number
  const warnings: string[] = []
  const logger: Logger = { info() {}, warn: (_, message) => warnings.push(message), error() {} }

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tollgate-blocklist-'))
    path = join(dir, 'blocked.txt')
    now = 1_000_000
    warnings.length = 0
  })
  afterEach(() => rm(dir, { recursive: true, force: true }))

  const open = () => fileBlocklist(path, { staleMsMax: 5_000, logger, now: () => now })

  it('picks up a change of the file once the staleness bound has passed, not before', async () => {
    await writeFile(path, `${alice}\n`)
    const blocklist = await open()
    expect(await blocklist.isBlocked(alice)).toBe(true)
    expect(await blocklist.isBlocked(bob)).toBe(false)

    await writeFile(path, JSON.stringify([bob]))
    now += 4_999
    expect(await blocklist.isBlocked(bob)).toBe(false)
    now += 1
    expect(await blocklist.isBlocked(bob)).toBe(true)
    expect(await blocklist.isBlocked(alice)).toBe(false)
  })

  it('keeps the last good list while the file is broken or missing, and warns', async () => {
    await writeFile(path, `${alice}\n`)
    const blocklist = await open()
    await writeFile(path, `["${bob}"`)
    now += 5_000
    expect(await blocklist.isBlocked(alice)).toBe(true)
    expect(warnings).toEqual(['blocklist reload failed; keeping the last list'])

    await rm(path)
    now += 5_000
    expect(await blocklist.isBlocked(alice)).toBe(true)
    expect(warnings).toHaveLength(2)

    await writeFile(path, bob)
    now += 5_000
    expect(await blocklist.isBlocked(bob)).toBe(true)
    expect(await blocklist.isBlocked(alice)).toBe(false)
  })

  it('fails at start when the file cannot be read or parsed', async () => {
    await expect(open()).rejects.toThrow(/ENOENT/)
    await writeFile(path, '[true]')
    await expect(open()).rejects.toThrow(/must be a JSON array/)
  })
})
