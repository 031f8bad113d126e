import { readFile } from 'node:fs/promises'
import type { TrustClient } from '@tollgate/trust'
import { getAddress, isAddress } from 'viem'
import { z } from 'zod'

/** A creator by handle: an address, or an ERC-8004 agent whose wallet is paid. */
const creatorSchema = z.union([
  z.object({
    address: z.string().refine(isAddress, 'not a 0x address'),
    name: z.string().optional(),
  }),
  z.object({
    agentId: z.string().regex(/^\d+$/, 'an agent id is a whole number'),
    name: z.string().optional(),
  }),
])

export const creatorsSchema = z.record(
  z.string().regex(/^[a-z0-9_.-]{1,40}$/i, 'a handle is letters, digits, _ . -'),
  creatorSchema,
)

export type Creators = z.output<typeof creatorsSchema>

/** Where a tip goes, and how the handle was resolved. */
export interface ResolvedCreator {
  handle: string
  address: `0x${string}`
  name?: string | undefined
  /** The ERC-8004 agent it was resolved through, when it was. */
  agentId?: string | undefined
}

export class UnknownCreator extends Error {
  override readonly name = 'UnknownCreator'
}

export async function readCreators(file: string): Promise<Creators> {
  const parsed = creatorsSchema.safeParse(JSON.parse(await readFile(file, 'utf8')))
  if (!parsed.success)
    throw new Error(
      `${file}: ${parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`,
    )
  return parsed.data
}

/**
 * The address a handle is paid at: the registry's, or for an ERC-8004 agent its agent wallet as
 * the identity registry has it now (its owner's when it set none), read at the time of the tip.
 */
export async function resolveCreator(
  creators: Creators,
  handle: string,
  trust: TrustClient | undefined,
): Promise<ResolvedCreator> {
  const key = handle.replace(/^@/, '').toLowerCase()
  const entry = Object.entries(creators).find(([name]) => name.toLowerCase() === key)
  if (!entry)
    throw new UnknownCreator(
      `no creator @${key}; known: ${
        Object.keys(creators)
          .map((name) => `@${name}`)
          .join(', ') || 'none'
      }`,
    )
  const [name, creator] = entry
  if ('address' in creator)
    return { handle: name, address: getAddress(creator.address), name: creator.name }
  if (!trust)
    throw new UnknownCreator(
      `@${name} is an ERC-8004 agent, and no identity registry is configured`,
    )
  const agent = await trust.agent(BigInt(creator.agentId))
  return {
    handle: name,
    address: agent.wallet ?? agent.owner,
    name: creator.name,
    agentId: creator.agentId,
  }
}
