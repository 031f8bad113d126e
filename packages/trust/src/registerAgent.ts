import type { Hex } from 'viem'
import { type RegistrationInput, registrationFile } from './registrationFile.ts'
import type { TrustClient } from './trustClient.ts'

/**
 * Registers an agent end to end: mints its identity, then publishes its registration file
 * (which names the new id under `registrations`, as ERC-8004 asks) and points the identity at it.
 * `publish` stores the bytes and returns their URI: `publishContent` for Tollgate's content store.
 */
export async function registerAgent(
  trust: TrustClient,
  input: RegistrationInput,
  publish: (bytes: Uint8Array) => Promise<string>,
): Promise<{ agentId: bigint; agentURI: string; transactions: Hex[] }> {
  const minted = await trust.register('')
  const file = registrationFile({
    ...input,
    registrations: [
      ...(input.registrations ?? []),
      { agentId: Number(minted.agentId), agentRegistry: trust.agentRegistry },
    ],
  })
  const agentURI = await publish(new TextEncoder().encode(JSON.stringify(file)))
  const pointed = await trust.setAgentURI(minted.agentId, agentURI)
  return { agentId: minted.agentId, agentURI, transactions: [minted.transaction, pointed] }
}
