/**
 * @module @tollgate/manifest
 * The manifest `tollgate dev` writes (`.tollgate/dev.json`): where the local stack listens, its
 * test token and its funded accounts. An app reads it with `readManifest` and nothing else.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import { z } from 'zod'

/** A 20-byte EVM address, typed as viem's `Address` is. */
export type Address = `0x${string}`
/** Hex bytes, typed as viem's `Hex` is. */
export type Hex = `0x${string}`

const address = z
  .string()
  .regex(/^0x[0-9a-fA-F]{40}$/)
  .transform((value) => value as Address)

/** A Solana address (base58 of 32 bytes). */
const solanaAddress = z.string().regex(/^[1-9A-HJ-NP-Za-km-z]{32,44}$/)

/**
 * The embedded Solana devnet. It answers as Solana devnet (`network`) so that the official
 * `@x402/svm` packages accept it, but its mint and keys are local. The payer's key is base58 of
 * its 64 bytes; the fee payer's key stays in the process.
 */
const solanaSchema = z.object({
  network: z.string().regex(/^solana:[1-9A-HJ-NP-Za-km-z]{32}$/),
  rpcUrl: z.string(),
  mint: solanaAddress,
  decimals: z.number().int(),
  payer: z.object({
    address: solanaAddress,
    secretKey: z.string().regex(/^[1-9A-HJ-NP-Za-km-z]{64,90}$/),
  }),
  feePayer: z.object({ address: solanaAddress }),
})

/** What `tollgate dev` writes so other programs (and agents) can find the local stack. */
export const devManifestSchema = z.looseObject({
  network: z.string(),
  chainId: z.number().int(),
  rpcUrl: z.string(),
  facilitatorUrl: z.string(),
  exampleApiUrl: z.string(),
  asset: z.object({
    address,
    name: z.string(),
    version: z.string(),
    decimals: z.number().int(),
    symbol: z.string(),
  }),
  accounts: z.object({
    payer: z.object({
      address,
      privateKey: z
        .string()
        .regex(/^0x[0-9a-fA-F]{64}$/)
        .transform((value) => value as Hex),
    }),
    merchant: z.object({ address }),
    facilitator: z.object({ address }),
    /** Signs the claims and refunds of batch-settlement channels for the dev facilitator. */
    receiverAuthorizer: z.object({ address }).optional(),
  }),
  routes: z.array(
    z.object({ method: z.string(), path: z.string(), price: z.string(), amount: z.string() }),
  ),
  multicall3: address.optional(),
  /** The ERC-8004 registries the devnet placed (identity, reputation, validation). */
  erc8004: z
    .object({
      identityRegistry: address,
      reputationRegistry: address,
      validationRegistry: address,
      /** Base URL of a content store for registration and feedback files (`POST /content`). */
      contentUrl: z.string().optional(),
      /** The example merchant's agent id, registered by the dev stack (its card names it too). */
      merchantAgentId: z.string().optional(),
    })
    .optional(),
  solana: solanaSchema,
})

export type DevManifest = z.output<typeof devManifestSchema>

export async function writeManifest(path: string, manifest: DevManifest): Promise<void> {
  await mkdir(dirname(path), { recursive: true })
  await writeFile(path, `${JSON.stringify(manifest, null, 2)}\n`, { mode: 0o600 })
}

/** Reads and checks a manifest; the error names the file and what is wrong with it. */
export async function readManifest(path: string): Promise<DevManifest> {
  const where = resolve(path)
  let text: string
  try {
    text = await readFile(where, 'utf8')
  } catch {
    throw new Error(
      `no manifest at ${where}: start the local stack with \`npx tollgate dev\` in that folder first`,
    )
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    throw new Error(`${where} is not JSON: run \`npx tollgate dev\` again to rewrite it`)
  }
  const parsed = devManifestSchema.safeParse(json)
  if (!parsed.success)
    throw new Error(
      `${where} is not a Tollgate dev manifest (${issueOf(parsed.error.issues[0])}): run \`npx tollgate dev\` again to rewrite it`,
    )
  return parsed.data
}

function issueOf(issue: z.core.$ZodIssue | undefined): string {
  if (!issue) return 'unreadable'
  return issue.path.length > 0 ? `${issue.path.join('.')}: ${issue.message}` : issue.message
}
