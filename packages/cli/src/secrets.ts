import { readFile } from 'node:fs/promises'
import { decryptKeystore } from '@tollgate/wallet'
import type { Hex } from 'viem'
import { UserError } from './ui.ts'

/**
 * Configuration values of the form `$NAME` or `${NAME}` are read from the environment, so config
 * files can be committed and logged without the secrets in them.
 */
export function resolveEnvReference(value: string, env: NodeJS.ProcessEnv): string {
  const match = /^\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))$/.exec(value.trim())
  if (!match) return value
  const name = (match[1] ?? match[2])!
  const resolved = env[name]
  if (resolved === undefined || resolved === '') {
    throw new UserError(
      `environment variable ${name} is not set`,
      `export ${name}=… before starting`,
    )
  }
  return resolved
}

const privateKeyPattern = /^0x[0-9a-fA-F]{64}$/

/** Checks a private key's shape without ever putting the key in the message. */
export function asPrivateKey(value: string, source: string): Hex {
  const key = value.trim().startsWith('0x') ? value.trim() : `0x${value.trim()}`
  if (!privateKeyPattern.test(key))
    throw new UserError(`${source} is not a 32-byte hex private key`)
  return key as Hex
}

/** A private key from a keystore file; the password comes from the environment or a prompt. */
export async function keyFromKeystore(path: string, password: string): Promise<Hex> {
  let json: unknown
  try {
    json = JSON.parse(await readFile(path, 'utf8'))
  } catch {
    throw new UserError(
      `cannot read the keystore ${path}`,
      'check the path; it must be a JSON keystore file',
    )
  }
  try {
    return await decryptKeystore(json, password)
  } catch (error) {
    throw new UserError(`${path}: ${(error as Error).message}`)
  }
}
