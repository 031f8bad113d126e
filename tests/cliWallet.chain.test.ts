import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { formatAtomicUnits } from '@tollgate/core'
import { decryptKeystore } from '@tollgate/wallet'
import { type DevStack, rpcClient } from 'tollgate'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type CliResult, runCli } from './support/cli.ts'
import { startTestStack, tokenBalance } from './support/stack.ts'

const password = 'correct horse battery staple'
let workdir: string
let home: string

beforeAll(async () => {
  workdir = await mkdtemp(join(tmpdir(), 'tollgate-wallet-'))
  home = join(workdir, 'home')
})

/**
 * A clean environment for each run: a home folder of this test (never the user's ~/.tollgate),
 * and no key or password unless the test gives one.
 */
function walletEnv(env: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { HOME: home, TOLLGATE_PRIVATE_KEY: '', ...env }
}

function wallet(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return runCli(['wallet', ...args], { env: walletEnv(env) })
}

/** `tollgate wallet <args>` with `input` piped on stdin, as `echo $KEY | tollgate …` does. */
function walletWithStdin(
  args: string[],
  input: string,
  env: NodeJS.ProcessEnv = {},
): Promise<CliResult> {
  return runCli(['wallet', ...args], { env: walletEnv(env), input })
}

/** Neither output holds the key, in any case, with or without 0x, nor a stack trace. */
function expectClean(result: CliResult, ...secrets: string[]): void {
  const output = `${result.stdout}\n${result.stderr}`.toLowerCase()
  for (const secret of secrets) {
    expect(output).not.toContain(secret.toLowerCase().replace(/^0x/, ''))
  }
  expect(result.stderr).not.toMatch(/^\s+at /m)
}

/** The one address a successful run prints on stdout. */
function printedAddress(result: CliResult): string {
  expect(result.stderr).not.toContain('error:')
  expect(result.code).toBe(0)
  expect(result.stdout).toMatch(/^0x[0-9a-fA-F]{40}\n$/)
  return result.stdout.trim()
}

async function keyIn(path: string): Promise<string> {
  return decryptKeystore(JSON.parse(await readFile(path, 'utf8')), password)
}

async function modeOf(path: string): Promise<number> {
  return (await stat(path)).mode & 0o777
}

describe('tollgate wallet create', () => {
  it('writes a 0600 keystore in ~/.tollgate that decrypts to the key of the printed address', async () => {
    const result = await wallet(['create'], { TOLLGATE_KEYSTORE_PASSWORD: password })
    const address = printedAddress(result)
    const path = join(home, '.tollgate', 'keystore.json')
    expect(result.stderr).toContain(path)
    expect(await modeOf(path)).toBe(0o600)
    const key = await keyIn(path)
    expect(privateKeyToAccount(key as `0x${string}`).address).toBe(address)
    expectClean(result, key)
    // The address is recorded as geth does, so it can be read without the password.
    expect(JSON.parse(await readFile(path, 'utf8'))).toMatchObject({
      version: 3,
      address: address.slice(2).toLowerCase(),
    })
  })

  it('refuses to replace an existing keystore, and replaces it with --force', async () => {
    const path = join(workdir, 'replace.json')
    const env = { TOLLGATE_KEYSTORE_PASSWORD: password }
    const first = printedAddress(await wallet(['create', '--keystore', path], env))
    const before = await readFile(path, 'utf8')

    const refused = await wallet(['create', '--keystore', path], env)
    expect(refused.code).toBe(1)
    expect(refused.stderr).toContain(`${path} already exists`)
    expect(refused.stderr).toContain('--force')
    expect(refused.stdout).toBe('')
    expect(await readFile(path, 'utf8')).toBe(before)

    const forced = await wallet(['create', '--keystore', path, '--force'], env)
    const second = printedAddress(forced)
    expect(second).not.toBe(first)
    expect(await modeOf(path)).toBe(0o600)
    const key = await keyIn(path)
    expect(privateKeyToAccount(key as `0x${string}`).address).toBe(second)
    expectClean(forced, key)
  })

  it('needs a password: without TOLLGATE_KEYSTORE_PASSWORD or a terminal it writes nothing', async () => {
    const path = join(workdir, 'no-password.json')
    const result = await walletWithStdin(['create', '--keystore', path], '')
    expect(result.code).toBe(1)
    expect(result.stderr).toContain('no keystore password')
    expect(result.stderr).toContain('TOLLGATE_KEYSTORE_PASSWORD')
    await expect(stat(path)).rejects.toThrow()
  })
})

describe('tollgate wallet import', () => {
  it('encrypts the key in TOLLGATE_PRIVATE_KEY', async () => {
    const key = generatePrivateKey()
    const path = join(workdir, 'imported-env.json')
    const result = await wallet(['import', '--keystore', path], {
      TOLLGATE_PRIVATE_KEY: key,
      TOLLGATE_KEYSTORE_PASSWORD: password,
    })
    expect(printedAddress(result)).toBe(privateKeyToAccount(key).address)
    expect(await modeOf(path)).toBe(0o600)
    expect(await keyIn(path)).toBe(key)
    expectClean(result, key)
  })

  it('encrypts a key piped on stdin, with or without 0x and a newline', async () => {
    const key = generatePrivateKey()
    const path = join(workdir, 'imported-stdin.json')
    const result = await walletWithStdin(['import', '--keystore', path], `${key.slice(2)}\n`, {
      TOLLGATE_KEYSTORE_PASSWORD: password,
    })
    expect(printedAddress(result)).toBe(privateKeyToAccount(key).address)
    expect(await keyIn(path)).toBe(key)
    expectClean(result, key)
  })

  it('refuses a malformed key without repeating it, and writes nothing', async () => {
    const path = join(workdir, 'malformed.json')
    const env = { TOLLGATE_KEYSTORE_PASSWORD: password }
    const almost = `0x${'ab'.repeat(31)}zz`
    const fromEnv = await wallet(['import', '--keystore', path], {
      ...env,
      TOLLGATE_PRIVATE_KEY: almost,
    })
    expect(fromEnv.code).toBe(1)
    expect(fromEnv.stderr).toContain('TOLLGATE_PRIVATE_KEY is not a 32-byte hex private key')
    expectClean(fromEnv, almost, 'ab'.repeat(31))

    const phrase = 'hunter2 my-secret-seed-words'
    const fromStdin = await walletWithStdin(['import', '--keystore', path], phrase, env)
    expect(fromStdin.code).toBe(1)
    expect(fromStdin.stderr).toContain('the private key on stdin is not a 32-byte hex private key')
    expectClean(fromStdin, phrase, 'hunter2')

    const nothing = await walletWithStdin(['import', '--keystore', path], '\n', env)
    expect(nothing.code).toBe(1)
    expect(nothing.stderr).toContain('no private key to import')
    await expect(stat(path)).rejects.toThrow()
  })
})

describe('tollgate wallet address', () => {
  let path: string
  let key: `0x${string}`

  beforeAll(async () => {
    key = generatePrivateKey()
    path = join(workdir, 'address.json')
    const result = await wallet(['import', '--keystore', path], {
      TOLLGATE_PRIVATE_KEY: key,
      TOLLGATE_KEYSTORE_PASSWORD: password,
    })
    expect(result.code).toBe(0)
  })

  it('reads the address a keystore records, with no password', async () => {
    const result = await wallet(['address', '--keystore', path])
    expect(printedAddress(result)).toBe(privateKeyToAccount(key).address)
    expectClean(result, key)
  })

  it('decrypts a keystore without a recorded address, and says when the password is wrong', async () => {
    const { address: _, ...rest } = JSON.parse(await readFile(path, 'utf8'))
    const bare = join(workdir, 'no-address.json')
    await writeFile(bare, JSON.stringify(rest))
    const right = await wallet(['address', '--keystore', bare], {
      TOLLGATE_KEYSTORE_PASSWORD: password,
    })
    expect(printedAddress(right)).toBe(privateKeyToAccount(key).address)
    expectClean(right, key)

    const wrong = await wallet(['address', '--keystore', bare], {
      TOLLGATE_KEYSTORE_PASSWORD: 'not it',
    })
    expect(wrong.code).toBe(1)
    expect(wrong.stderr).toContain('wrong password')
    expectClean(wrong, key)
  })

  it('derives the address from TOLLGATE_PRIVATE_KEY; --keystore comes first', async () => {
    const other = generatePrivateKey()
    const fromEnv = await wallet(['address'], { TOLLGATE_PRIVATE_KEY: other })
    expect(printedAddress(fromEnv)).toBe(privateKeyToAccount(other).address)
    expectClean(fromEnv, other)

    const both = await wallet(['address', '--keystore', path], { TOLLGATE_PRIVATE_KEY: other })
    expect(printedAddress(both)).toBe(privateKeyToAccount(key).address)
    expectClean(both, other, key)
  })

  it('says plainly when the keystore is missing or is not a keystore', async () => {
    const missing = await wallet(['address', '--keystore', join(workdir, 'nope.json')])
    expect(missing.code).toBe(1)
    expect(missing.stderr).toContain('no keystore at')
    expectClean(missing)

    const malformed = join(workdir, 'malformed-keystore.json')
    await writeFile(malformed, JSON.stringify({ version: 3, address: 'zz' }))
    const result = await wallet(['address', '--keystore', malformed])
    expect(result.code).toBe(1)
    expect(result.stderr).toContain('is not an Ethereum JSON keystore (version 3)')
    expectClean(result)
  })
})

describe('tollgate wallet balance', () => {
  let stack: DevStack
  let manifestPath: string

  beforeAll(async () => {
    stack = await startTestStack()
    manifestPath = join(workdir, 'dev.json')
    await writeFile(manifestPath, JSON.stringify(stack.manifest))
  })
  afterAll(() => stack?.stop())

  async function onChain() {
    const { manifest } = stack
    const payer = manifest.accounts.payer.address
    return {
      usdc: await tokenBalance(manifest, payer),
      wei: await rpcClient(manifest.rpcUrl).getBalance({ address: payer }),
    }
  }

  it("shows the funded payer's ETH and USDC on the devnet of the manifest", async () => {
    const { manifest } = stack
    const env = { TOLLGATE_PRIVATE_KEY: manifest.accounts.payer.privateKey }
    const expected = await onChain()
    expect(expected.usdc).toBeGreaterThan(0n)

    const text = await wallet(['balance', '--manifest', manifestPath], env)
    expect(text.code).toBe(0)
    expect(text.stdout).toContain(`address  ${manifest.accounts.payer.address}`)
    expect(text.stdout).toContain(`network  ${manifest.network}`)
    expect(text.stdout).toContain(`native   ${formatAtomicUnits(expected.wei, 18)} ETH`)
    expect(text.stdout).toContain(
      `token    ${formatAtomicUnits(expected.usdc, 6)} USDC (${manifest.asset.address})`,
    )
    expectClean(text, manifest.accounts.payer.privateKey)

    const json = await wallet(['balance', '--manifest', manifestPath, '--json'], env)
    expect(json.code).toBe(0)
    expect(JSON.parse(json.stdout)).toEqual({
      address: manifest.accounts.payer.address,
      network: manifest.network,
      native: {
        symbol: 'ETH',
        decimals: 18,
        amount: formatAtomicUnits(expected.wei, 18),
        atomic: expected.wei.toString(),
      },
      token: {
        address: manifest.asset.address,
        symbol: 'USDC',
        decimals: 6,
        amount: formatAtomicUnits(expected.usdc, 6),
        atomic: expected.usdc.toString(),
      },
    })
    expectClean(json, manifest.accounts.payer.privateKey)
  })

  it('reads a keystore without its password, from an RPC URL and token given explicitly', async () => {
    const { manifest } = stack
    const path = join(workdir, 'payer.json')
    const imported = await wallet(['import', '--keystore', path], {
      TOLLGATE_PRIVATE_KEY: manifest.accounts.payer.privateKey,
      TOLLGATE_KEYSTORE_PASSWORD: password,
    })
    expect(imported.code).toBe(0)
    const args = ['balance', '--keystore', path, '--rpc-url', manifest.rpcUrl]
    const result = await wallet([...args, '--asset', manifest.asset.address, '--json'])
    expect(result.code).toBe(0)
    const balances = JSON.parse(result.stdout)
    expect(balances.address).toBe(manifest.accounts.payer.address)
    expect(balances.token.atomic).toBe((await onChain()).usdc.toString())
    expectClean(result, manifest.accounts.payer.privateKey)

    // The devnet's chain has no USDC in the default table: only the native balance is shown.
    const nativeOnly = await wallet([...args, '--json'])
    expect(nativeOnly.code).toBe(0)
    expect(JSON.parse(nativeOnly.stdout).token).toBeNull()
    expect(nativeOnly.stderr).toContain('pass --asset')
  })

  it('fails with a plain message when the RPC does not answer or the manifest is missing', async () => {
    const env = { TOLLGATE_PRIVATE_KEY: stack.manifest.accounts.payer.privateKey }
    const unreachable = await wallet(
      ['balance', '--rpc-url', 'http://127.0.0.1:1', '--asset', stack.manifest.asset.address],
      env,
    )
    expect(unreachable.code).toBe(1)
    expect(unreachable.stderr).toContain('no RPC answers at http://127.0.0.1:1')
    expectClean(unreachable, env.TOLLGATE_PRIVATE_KEY)

    const noManifest = await wallet(['balance', '--manifest', join(workdir, 'missing.json')], env)
    expect(noManifest.code).toBe(1)
    expect(noManifest.stderr).toContain('no manifest at')
    expect(noManifest.stderr).toContain('--rpc-url')
    expectClean(noManifest, env.TOLLGATE_PRIVATE_KEY)
  })
})
