/**
 * Confirmation depths: how many blocks must be mined on top of a settlement's block before it
 * counts as `confirmed`. Until then it is `included` and watched for a reorganisation.
 */
export interface NetworkFinality {
  confirmationDepth: number
  /** Blocks behind the head in which settlements are re-read for a reorganisation (≥ the depth). */
  reorgWindowBlocks: number
}

/** Known networks' confirmation depths, each with the reason for it. */
export const defaultConfirmationDepths: Readonly<Record<string, number>> = {
  // Ethereum: post-merge reorgs beyond one block are practically unseen; finality (two epochs,
  // ~13 min) is too slow to hold a paid request.
  'eip155:1': 2,
  // Base: 2 s blocks; the sequencer's unsafe head reorganised once in its history, by one block.
  'eip155:8453': 10,
  // Base Sepolia: the same OP Stack sequencer with test money at stake.
  'eip155:84532': 5,
  // Optimism: OP Stack like Base, 2 s blocks, same unsafe-head risk.
  'eip155:10': 10,
  // Arbitrum One: the sequencer's order is final unless it misbehaves; 0.25 s blocks, so 20 ≈ 5 s.
  'eip155:42161': 20,
  // Polygon PoS: 2 s blocks and a history of reorganisations dozens of blocks deep before
  // milestones; milestones now finalise within seconds.
  'eip155:137': 16,
  // Avalanche C-Chain: Snowman accepts a block only once it is final, so nothing reorganises.
  'eip155:43114': 0,
  // The local devnet (anvil): nothing reorganises unless a test asks for it.
  'eip155:31337': 0,
}

/** An unknown network: a depth as careful as the slowest-settling network above. */
export const unknownNetworkConfirmationDepth = 12

/** Settlements are re-read for this many blocks behind the head unless configured otherwise. */
export const defaultReorgWindowBlocks = 64

/** A network's finality settings: what was configured, else the table, else the fallback. */
export function networkFinality(
  network: string,
  configured: { confirmationDepth?: number | undefined; reorgWindowBlocks?: number | undefined },
): NetworkFinality {
  const confirmationDepth =
    configured.confirmationDepth ??
    defaultConfirmationDepths[network] ??
    unknownNetworkConfirmationDepth
  const window = configured.reorgWindowBlocks ?? defaultReorgWindowBlocks
  for (const [name, value] of [
    ['confirmationDepth', confirmationDepth],
    ['reorgWindowBlocks', window],
  ] as const) {
    if (!Number.isSafeInteger(value) || value < 0)
      throw new RangeError(`${network}: ${name} must be a whole number of blocks, not ${value}`)
  }
  // A settlement must stay watched at least until it is confirmed.
  return { confirmationDepth, reorgWindowBlocks: Math.max(window, confirmationDepth) }
}
