import { TollgateError } from '@tollgate/core'
import { z } from 'zod'

/** The `type` every ERC-8004 registration file carries. */
export const registrationFileType = 'https://eips.ethereum.org/EIPS/eip-8004#registration-v1'

const serviceSchema = z.looseObject({
  name: z.string().min(1),
  endpoint: z.string().min(1),
  version: z.string().optional(),
})

const registrationEntrySchema = z.object({
  agentId: z.union([z.number().int().nonnegative(), z.string().regex(/^\d+$/)]),
  agentRegistry: z.string().regex(/^[-a-z0-9]{3,8}:[-_a-zA-Z0-9]{1,32}:0x[0-9a-fA-F]{40}$/),
})

/** What an agent's URI resolves to (ERC-8004 registration-v1), unknown fields kept. */
export const registrationFileSchema = z.looseObject({
  type: z.literal(registrationFileType),
  name: z.string().min(1),
  description: z.string().optional(),
  image: z.string().optional(),
  services: z.array(serviceSchema),
  x402Support: z.boolean().optional(),
  active: z.boolean().optional(),
  registrations: z.array(registrationEntrySchema).optional(),
  supportedTrust: z.array(z.string()).optional(),
})

export type RegistrationFile = z.output<typeof registrationFileSchema>
export type AgentService = z.output<typeof serviceSchema>

export interface RegistrationInput {
  name: string
  description?: string
  image?: string
  /** Where the agent is reached: `{ name: 'A2A', endpoint, version }`, `{ name: 'MCP', … }`, … */
  services?: AgentService[]
  /** The agent's paid HTTP API, listed as a `web` service and flagged `x402Support`. */
  x402Endpoint?: string
  /** Where this agent is registered, `{ agentId, agentRegistry }` (known after registering). */
  registrations?: RegistrationFile['registrations']
  supportedTrust?: string[]
  active?: boolean
}

/** A registration file as ERC-8004 shapes it. */
export function registrationFile(input: RegistrationInput): RegistrationFile {
  const services = [...(input.services ?? [])]
  if (input.x402Endpoint) services.unshift({ name: 'web', endpoint: input.x402Endpoint })
  return {
    type: registrationFileType,
    name: input.name,
    ...(input.description !== undefined ? { description: input.description } : {}),
    ...(input.image !== undefined ? { image: input.image } : {}),
    services,
    x402Support: input.x402Endpoint !== undefined,
    active: input.active ?? true,
    ...(input.registrations ? { registrations: input.registrations } : {}),
    supportedTrust: input.supportedTrust ?? ['reputation'],
  }
}

/**
 * Reads a registration file leniently where the spec drifted: files written before it renamed
 * `endpoints` to `services` are read as if they had `services`.
 * @throws TollgateError `TRUST_REGISTRATION_MALFORMED` with what is wrong.
 */
export function parseRegistrationFile(bytes: Uint8Array): RegistrationFile {
  let json: unknown
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes))
  } catch (error) {
    throw new TollgateError(
      'TRUST_REGISTRATION_MALFORMED',
      `the registration file is not UTF-8 JSON: ${(error as Error).message}`,
    )
  }
  if (typeof json === 'object' && json !== null && !('services' in json) && 'endpoints' in json)
    json = { ...json, services: (json as { endpoints: unknown }).endpoints }
  const parsed = registrationFileSchema.safeParse(json)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    throw new TollgateError(
      'TRUST_REGISTRATION_MALFORMED',
      `the registration file is not ERC-8004 registration-v1: ${issue?.path.join('.') || 'document'}: ${issue?.message}`,
    )
  }
  return parsed.data
}
