import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import type { Address, Hex } from 'viem'
import { z } from 'zod'

const address = z
  .string()
  .regex(/^0x[0-9a-fA-F]{40}$/)
  .transform((value) => value as Address)

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
  }),
  routes: z.array(
    z.object({ method: z.string(), path: z.string(), price: z.string(), amount: z.string() }),
  ),
  multicall3: address.optional(),
})

export type DevManifest = z.output<typeof devManifestSchema>

export async function writeManifest(path: string, manifest: DevManifest): Promise<void> {
  await mkdir(dirname(path), { recursive: true })
  await writeFile(path, `${JSON.stringify(manifest, null, 2)}\n`, { mode: 0o600 })
}

/** Reads and checks a manifest; the error names the file and what is wrong with it. */
export async function readManifest(path: string): Promise<DevManifest> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch {
    throw new Error(`no manifest at ${path}: start the local stack with \`npx tollgate dev\` first`)
  }
  const parsed = devManifestSchema.safeParse(JSON.parse(text))
  if (!parsed.success)
    throw new Error(`${path} is not a Tollgate dev manifest: ${parsed.error.issues[0]?.message}`)
  return parsed.data
}
