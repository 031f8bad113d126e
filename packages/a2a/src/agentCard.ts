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
  documentationUrl?: string
  /**
   * The agent's ERC-8004 identity: declared as an extension of the card
   * (`erc8004ExtensionUri`), so a client that found the card finds the registration, whose
   * `services` list this card in turn.
   */
  erc8004?: Erc8004Identity | undefined
}

/** An ERC-8004 registration as the registration file's `registrations` entries write it. */
export interface Erc8004Identity {
  agentId: number | string
  /** `eip155:<chainId>:<identity registry>` */
  agentRegistry: string
  /** Where the registration file is (the identity's `agentURI`). */
  agentURI?: string
}

/** The extension under which a card names its ERC-8004 identity. */
export const erc8004ExtensionUri = 'https://eips.ethereum.org/EIPS/eip-8004'

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
        ...(options.erc8004
          ? [
              {
                uri: erc8004ExtensionUri,
                description: 'The agent’s ERC-8004 identity: its registration and reputation.',
                required: false,
                params: {
                  registrations: [
                    {
                      agentId: options.erc8004.agentId,
                      agentRegistry: options.erc8004.agentRegistry,
                    },
                  ],
                  ...(options.erc8004.agentURI ? { agentURI: options.erc8004.agentURI } : {}),
                },
              },
            ]
          : []),
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

/** The ERC-8004 identity a card (v1.0 or v0.3 JSON, or the SDK's type) declares, if any. */
export function cardIdentity(card: unknown): Erc8004Identity | undefined {
  const extensions = (card as { capabilities?: { extensions?: unknown } } | null)?.capabilities
    ?.extensions
  if (!Array.isArray(extensions)) return undefined
  const declared = extensions.find((item) => item?.uri === erc8004ExtensionUri)
  const entry = declared?.params?.registrations?.[0]
  if (typeof entry?.agentRegistry !== 'string' || entry.agentId === undefined) return undefined
  return {
    agentId: entry.agentId,
    agentRegistry: entry.agentRegistry,
    ...(typeof declared.params.agentURI === 'string' ? { agentURI: declared.params.agentURI } : {}),
  }
}

/** How an ERC-8004 registration file lists an A2A agent: its card, in A2A v0.3 terms. */
export function a2aService(cardUrl: string): { name: string; endpoint: string; version: string } {
  return { name: 'A2A', endpoint: cardUrl, version: '0.3.0' }
}
