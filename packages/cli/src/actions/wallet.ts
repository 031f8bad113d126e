/**
 * `tollgate wallet create|import|address|balance`: an agent's key in an encrypted JSON keystore
 * (Web3 Secret Storage v3, scrypt), its address, and what it holds. A private key is never taken
 * from an argument (it would land in shell history) and never printed, not even in an error.
 */
import { existsSync } from 'node:fs'
import { mkdir, readFile, rename, unlink, writeFile } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import { encryptKeystore, signerFromPrivateKey } from '@tollgate/wallet'
import { type Address, getAddress, type Hex } from 'viem'
import { generatePrivateKey } from 'viem/accounts'
import { z } from 'zod'
import { loadSigner } from '../agentWallet.ts'
import { defaultKeystorePath } from '../paths.ts'
import { asPrivateKey } from '../secrets.ts'
import { dim, green, note, UserError } from '../ui.ts'
import { promptHidden } from './prompt.ts'
import { type BalanceOptions, printBalances } from './walletBalance.ts'

export interface KeystoreOptions {
  keystore?: string
}

interface WriteOptions {
  keystore: string
  force?: boolean
}

/** More than any private key, however it is spaced; a bigger stdin is not a key. */
const stdinBytesMax = 4096

export async function printAddress(options: KeystoreOptions): Promise<void> {
  const found = await walletAddress(options, process.env)
  process.stdout.write(`${found.address}\n`)
  note(dim(`from ${found.source}`))
}

export async function printBalance(
  options: KeystoreOptions & Omit<BalanceOptions, 'asset'> & { asset?: string },
): Promise<void> {
  const found = await walletAddress(options, process.env)
  const { asset, ...rest } = options
  await printBalances(found.address, asset ? { ...rest, asset: getAddress(asset) } : rest)
}

export async function createWallet(options: WriteOptions): Promise<void> {
  const env = process.env
  const path = resolve(options.keystore)
  refuseToReplace(path, options)
  const password = await newPassword(path, env)
  const key = generatePrivateKey()
  const address = signerFromPrivateKey(key).address
  await writeKeystore(path, key, address, password, options)
  reportWritten(path, address, 'created')
}

export async function importWallet(options: WriteOptions): Promise<void> {
  const env = process.env
  const path = resolve(options.keystore)
  refuseToReplace(path, options)
  const { value, source } = await privateKeyInput(env)
  const key = asPrivateKey(value, source)
  let address: Address
  try {
    address = signerFromPrivateKey(key, source).address
  } catch (error) {
    throw new UserError((error as Error).message)
  }
  const password = await newPassword(path, env)
  await writeKeystore(path, key, address, password, options)
  reportWritten(path, address, 'imported')
}

/** Checked before any prompt, so nobody types a password for a write that will be refused. */
function refuseToReplace(path: string, options: WriteOptions): void {
  if (!options.force && existsSync(path)) throw alreadyExists(path)
}

function alreadyExists(path: string): UserError {
  return new UserError(
    `${path} already exists`,
    'choose another --keystore path, or pass --force to replace it (its key is lost unless backed up)',
  )
}

function reportWritten(path: string, address: Address, verb: string): void {
  process.stdout.write(`${address}\n`)
  note(`${green(verb)} wallet ${address}, encrypted in ${path} (mode 600)`)
  note(dim('back up the file and its password: without both the key is gone.'))
  note(dim(`on the local devnet, fund it: tollgate wallet fund --keystore ${path}`))
  note(dim(`pay with it: tollgate pay <url> --keystore ${path}`))
}

/** The password for a new keystore: TOLLGATE_KEYSTORE_PASSWORD, or typed twice at a terminal. */
async function newPassword(path: string, env: NodeJS.ProcessEnv): Promise<string> {
  let password = env.TOLLGATE_KEYSTORE_PASSWORD
  if (password === undefined) {
    password = await promptHidden(`new password for ${path}: `)
    if ((await promptHidden('the same password again: ')) !== password)
      throw new UserError('the passwords do not match; nothing was written')
  }
  if (password === '')
    throw new UserError('the keystore password is empty; nothing was written', 'choose a password')
  return password
}

/** The key to import: TOLLGATE_PRIVATE_KEY, else typed hidden at a terminal, else piped stdin. */
async function privateKeyInput(env: NodeJS.ProcessEnv): Promise<{ value: string; source: string }> {
  if (env.TOLLGATE_PRIVATE_KEY)
    return { value: env.TOLLGATE_PRIVATE_KEY, source: 'TOLLGATE_PRIVATE_KEY' }
  const source = 'the private key on stdin'
  const value = process.stdin.isTTY
    ? await promptHidden('private key (0x + 64 hex digits, not shown): ')
    : await readStdin()
  if (value.trim() === '') {
    throw new UserError(
      'no private key to import',
      'set TOLLGATE_PRIVATE_KEY, or pipe the key on stdin (never as an argument: it would stay in your shell history)',
    )
  }
  return { value, source }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of process.stdin) {
    const bytes = Buffer.from(chunk)
    size += bytes.length
    if (size > stdinBytesMax) throw new UserError('stdin is too long to be a private key')
    chunks.push(bytes)
  }
  return Buffer.concat(chunks).toString('utf8')
}

/**
 * Writes the keystore with mode 0600. Without --force it is created exclusively, so an existing
 * file is never replaced; with --force it is written beside the target and renamed over it, so an
 * interrupted write leaves the old file whole and the new one never has wider permissions.
 */
async function writeKeystore(
  path: string,
  key: Hex,
  address: Address,
  password: string,
  options: WriteOptions,
): Promise<void> {
  // Geth's layout: the address (lowercase, no 0x) beside the ciphertext, readable without a password.
  const keystore = {
    address: address.slice(2).toLowerCase(),
    ...(await encryptKeystore(key, password)),
  }
  const text = `${JSON.stringify(keystore, null, 2)}\n`
  try {
    await mkdir(dirname(path), { recursive: true, mode: 0o700 })
    if (!options.force) {
      await writeFile(path, text, { mode: 0o600, flag: 'wx' })
      return
    }
    const temporary = `${path}.${process.pid}.tmp`
    await writeFile(temporary, text, { mode: 0o600, flag: 'wx' })
    await rename(temporary, path).catch(async (error: unknown) => {
      await unlink(temporary).catch(() => {})
      throw error
    })
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'EEXIST') throw alreadyExists(path)
    throw new UserError(`cannot write ${path}: ${code ?? (error as Error).message}`)
  }
}

/** What a keystore file must look like to be read for its address. */
const keystoreFileSchema = z.looseObject({
  version: z.literal(3),
  crypto: z.looseObject({ ciphertext: z.string() }),
  address: z
    .string()
    .regex(/^(0x)?[0-9a-fA-F]{40}$/)
    .optional(),
})

/**
 * The wallet's address, from the same sources `tollgate pay` uses in the same order (--keystore,
 * then TOLLGATE_PRIVATE_KEY), then the default keystore if there is one. A keystore's recorded
 * address needs no password; one without it is decrypted.
 */
export async function walletAddress(
  options: KeystoreOptions,
  env: NodeJS.ProcessEnv,
): Promise<{ address: Address; source: string }> {
  const fallback = defaultKeystorePath()
  const keystore =
    options.keystore ?? (!env.TOLLGATE_PRIVATE_KEY && existsSync(fallback) ? fallback : undefined)
  if (keystore) {
    const recorded = await recordedAddress(keystore)
    if (recorded) return { address: recorded, source: `keystore ${keystore}` }
  }
  const signer = await loadSigner(keystore ? { keystore } : {}, {
    env,
    promptPassword: promptHidden,
  })
  return {
    address: signer.address,
    source: keystore ? `keystore ${keystore}` : 'TOLLGATE_PRIVATE_KEY',
  }
}

async function recordedAddress(path: string): Promise<Address | undefined> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    throw new UserError(
      code === 'ENOENT' ? `no keystore at ${path}` : `cannot read the keystore ${path}: ${code}`,
      'check the path, or create one with `tollgate wallet create`',
    )
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    throw new UserError(
      `${path} is not JSON`,
      'a keystore is an Ethereum JSON keystore (version 3)',
    )
  }
  const parsed = keystoreFileSchema.safeParse(json)
  if (!parsed.success) throw new UserError(`${path} is not an Ethereum JSON keystore (version 3)`)
  const address = parsed.data.address
  return address ? getAddress(address.startsWith('0x') ? address : `0x${address}`) : undefined
}
