/**
 * A scheme's default asset table (one asset per network) with a caller's additions: each network's
 * assets as a list, the caller's first. Additions join the defaults; they never hide them.
 */
export function mergeAssetTables<Asset>(
  defaults: Readonly<Record<string, Asset>>,
  added: Readonly<Record<string, Asset | readonly Asset[]>> = {},
): Map<string, Asset[]> {
  const known = new Map<string, Asset[]>()
  for (const [network, asset] of Object.entries(defaults)) known.set(network, [asset])
  for (const [network, more] of Object.entries(added)) {
    const list: readonly Asset[] = Array.isArray(more) ? more : [more as Asset]
    known.set(network, [...list, ...(known.get(network) ?? [])])
  }
  return known
}
