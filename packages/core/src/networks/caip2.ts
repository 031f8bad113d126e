/** CAIP-2 chain ids and the legacy x402 v1 network names. */

export type Caip2 = `${string}:${string}`

const caip2Pattern = /^([-a-z0-9]{3,8}):([-_a-zA-Z0-9]{1,32})$/

/** Splits a CAIP-2 id into namespace and reference, or returns undefined. */
export function parseCaip2(id: string): { namespace: string; reference: string } | undefined {
  const match = caip2Pattern.exec(id)
  if (!match) return undefined
  return { namespace: match[1]!, reference: match[2]! }
}

/** The EVM chain id of an `eip155:<id>` network, or undefined for anything else. */
export function evmChainId(network: string): number | undefined {
  const parsed = parseCaip2(network)
  if (parsed?.namespace !== 'eip155' || !/^[1-9][0-9]{0,15}$/.test(parsed.reference))
    return undefined
  const id = Number(parsed.reference)
  return Number.isSafeInteger(id) ? id : undefined
}

/** True when `network` matches `pattern`, where the pattern may end in `:*`. */
export function networkMatches(pattern: string, network: string): boolean {
  if (pattern.endsWith(':*')) return network.startsWith(pattern.slice(0, -1))
  return pattern === network
}

export const solanaNetworks = {
  mainnet: 'solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp',
  devnet: 'solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1',
  testnet: 'solana:4uhcVJyU9pJkvQyS88uRDiswHXSCkY3z',
} as const

/** Legacy v1 network names and their CAIP-2 ids (reference EVM_NETWORK_CHAIN_ID_MAP and SVM map). */
const legacyNetworks: ReadonlyArray<readonly [string, string]> = [
  ['ethereum', 'eip155:1'],
  ['sepolia', 'eip155:11155111'],
  ['abstract', 'eip155:2741'],
  ['abstract-testnet', 'eip155:11124'],
  ['base-sepolia', 'eip155:84532'],
  ['base', 'eip155:8453'],
  ['avalanche-fuji', 'eip155:43113'],
  ['avalanche', 'eip155:43114'],
  ['iotex', 'eip155:4689'],
  ['sei', 'eip155:1329'],
  ['sei-testnet', 'eip155:1328'],
  ['polygon', 'eip155:137'],
  ['polygon-amoy', 'eip155:80002'],
  ['peaq', 'eip155:3338'],
  ['story', 'eip155:1514'],
  ['educhain', 'eip155:41923'],
  ['skale-base-sepolia', 'eip155:324705682'],
  ['megaeth', 'eip155:4326'],
  ['monad', 'eip155:143'],
  ['stable', 'eip155:988'],
  ['stable-testnet', 'eip155:2201'],
  ['celo', 'eip155:42220'],
  ['flare', 'eip155:14'],
  ['solana', solanaNetworks.mainnet],
  ['solana-devnet', solanaNetworks.devnet],
  ['solana-testnet', solanaNetworks.testnet],
]

const caip2ByLegacyName = new Map(legacyNetworks)
const legacyNameByCaip2 = new Map(legacyNetworks.map(([name, id]) => [id, name]))

/** CAIP-2 id for a v1 network name; CAIP-2 input is returned unchanged; unknown names give undefined. */
export function toCaip2(network: string): string | undefined {
  if (parseCaip2(network)) return network
  return caip2ByLegacyName.get(network)
}

/** The v1 name of a CAIP-2 network, or undefined when v1 has no name for it. */
export function toLegacyNetwork(network: string): string | undefined {
  return legacyNameByCaip2.get(network)
}
