import { readFile } from 'node:fs/promises'
import {
  type ChainDescriptor,
  type ChainNetworkSetup,
  type ConfigSecrets,
  chainOf,
} from '@tollgate/core'
import { z } from 'zod'
import { chains as registeredChains } from './chains.ts'
import { operatorConfigSchema } from './operatorConfig.ts'
import { keyFromKeystore, resolveEnvReference } from './secrets.ts'
import { UserError } from './ui.ts'

/**
 * An entry of `networks`, checked by the schema of the chain its id names (from the chain's own
 * package); an id no registered chain serves is refused with the namespaces that are.
 */
function networkSchema(chains: readonly ChainDescriptor[]) {
  return z
    .looseObject({ network: z.string() })
    .transform((entry, context): { network: string } | never => {
      const plugin = chainOf(chains, entry.network)?.facilitator
      if (!plugin) {
        const served = chains.filter((chain) => chain.facilitator).map((chain) => chain.namespace)
        context.addIssue({
          code: 'custom',
          message: `no registered chain settles ${entry.network}: use ${served.map((namespace) => `${namespace}:…`).join(' or ')}`,
          path: ['network'],
        })
        return z.NEVER
      }
      const parsed = plugin.networkConfig.safeParse(entry)
      if (parsed.success) return parsed.data
      for (const issue of parsed.error.issues) {
        context.addIssue({ code: 'custom', message: issue.message, path: issue.path })
      }
      return z.NEVER
    })
}

/** `tollgate facilitator --config <file>`: networks by CAIP-2 id, RPC URLs, signers, assets. */
export function facilitatorConfigSchema(chains: readonly ChainDescriptor[] = registeredChains) {
  return z.object({
    host: z.string().default('127.0.0.1'),
    port: z.number().int().min(0).max(65_535).default(4020),
    receiptTimeoutMs: z.number().int().positive().optional(),
    /** PostgreSQL URL (or an $ENV reference) shared by every process; absent: embedded ledger. */
    databaseUrl: z.string().optional(),
    /** Folder of the embedded ledger when there is no database URL. */
    ledgerDir: z.string().default('.tollgate/ledger'),
    /** Payments per settlement transaction (Multicall3); false settles one by one. */
    batch: z
      .union([
        z.literal(false),
        z.object({
          maxSize: z.number().int().min(1).max(500),
          maxWaitMs: z.number().int().min(0).max(10_000),
        }),
      ])
      .default({ maxSize: 100, maxWaitMs: 10 }),
    networks: z.array(networkSchema(chains)).min(1),
    /** API keys, rate limits, blocklist, metrics and ledger API tokens; absent: all off. */
    operator: operatorConfigSchema.optional(),
  })
}

export type FacilitatorConfig = z.output<ReturnType<typeof facilitatorConfigSchema>>

/** Reads and checks a config file; each `networks` entry by the chain its id names. */
export async function loadFacilitatorConfig(
  path: string,
  chains: readonly ChainDescriptor[] = registeredChains,
): Promise<FacilitatorConfig> {
  let raw: unknown
  try {
    raw = JSON.parse(await readFile(path, 'utf8'))
  } catch (error) {
    throw new UserError(
      `cannot read ${path}: ${(error as Error).message}`,
      'pass a JSON file such as config/facilitator.base-sepolia.json',
    )
  }
  const parsed = facilitatorConfigSchema(chains).safeParse(raw)
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`)
    throw new UserError(`${path} is not a valid facilitator config:\n  ${problems.join('\n  ')}`)
  }
  return parsed.data
}

/** Reads `$ENV` references and keystores for the chains' packages, with the CLI's errors. */
function configSecrets(env: NodeJS.ProcessEnv): ConfigSecrets {
  return {
    text: (value) => resolveEnvReference(value, env),
    keystore: (path, password) => keyFromKeystore(path, password),
  }
}

/**
 * Resolves secrets and defaults into what the facilitator is built from, each entry by the
 * package of its chain; a problem becomes an error naming the entry, never a secret.
 */
export async function resolveNetworks(
  config: FacilitatorConfig,
  env: NodeJS.ProcessEnv,
  chains: readonly ChainDescriptor[] = registeredChains,
): Promise<ChainNetworkSetup[]> {
  const secrets = configSecrets(env)
  const resolved: ChainNetworkSetup[] = []
  for (const entry of config.networks) {
    const plugin = chainOf(chains, entry.network)?.facilitator
    if (!plugin) throw new UserError(`no registered chain settles ${entry.network}`)
    try {
      resolved.push(await plugin.resolve(entry, secrets))
    } catch (error) {
      if (error instanceof UserError) throw error
      throw new UserError((error as Error).message)
    }
  }
  return resolved
}
