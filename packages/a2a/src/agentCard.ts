import type { AgentCard, AgentSkill } from '@a2a-js/sdk'
import { duplicateInterfacesForLegacy } from '@a2a-js/sdk/compat/v0_3'
import { isX402ExtensionUri, x402ExtensionUri } from './x402Extension.ts'

export interface PaidAgentCardOptions {
  name: string
  description: string
  /** The JSON-RPC endpoint, e.g. `http://127.0.0.1:4021/a2a`. */
  url: string
  /** @default '1.0.0' */
  version?: string
  skills?: (Pick<AgentSkill, 'id' | 'name' | 'description'> & Partial<AgentSkill>)[]
  provider?: { organization: string; url: string }
  /**
   * Whether tasks must activate the x402 extension. Buyers that do not know it get no answer
   * they could pay, so it is declared required as the extension recommends. @default true
   */
  required?: boolean
  /** Where else the agent is found (its ERC-8004 registration, the catalogue), in the card's `documentationUrl`. */
  documentationUrl?: string
}

/**
 * An A2A v1.0 agent card that declares the x402 extension, reachable over JSON-RPC in v1.0 and
 * v0.3 (every x402 client in the ecosystem speaks v0.3).
 */
export function paidAgentCard(options: PaidAgentCardOptions): AgentCard {
  return {
    name: options.name,
    description: options.description,
    supportedInterfaces: duplicateInterfacesForLegacy(
      [{ url: options.url, protocolBinding: 'JSONRPC', tenant: '', protocolVersion: '1.0' }],
      ['JSONRPC'],
    ),
    provider: options.provider,
    version: options.version ?? '1.0.0',
    ...(options.documentationUrl ? { documentationUrl: options.documentationUrl } : {}),
    capabilities: {
      streaming: true,
      pushNotifications: false,
      extensions: [
        {
          uri: x402ExtensionUri,
          description: 'Tasks are paid with x402: the payment request comes in the task status.',
          required: options.required ?? true,
          params: undefined,
        },
      ],
    },
    securitySchemes: {},
    securityRequirements: [],
    defaultInputModes: ['text/plain', 'application/json'],
    defaultOutputModes: ['text/plain', 'application/json'],
    skills: (options.skills ?? []).map((skill) => ({
      tags: [],
      examples: [],
      inputModes: [],
      outputModes: [],
      securityRequirements: [],
      ...skill,
    })),
    signatures: [],
  }
}

/** Whether a card (v1.0 or v0.3 JSON, or the SDK's type) declares the x402 extension. */
export function declaresX402(card: unknown): boolean {
  const extensions = (card as { capabilities?: { extensions?: unknown } } | null)?.capabilities
    ?.extensions
  if (!Array.isArray(extensions)) return false
  return extensions.some(
    (item) => typeof item?.uri === 'string' && isX402ExtensionUri(item.uri as string),
  )
}
