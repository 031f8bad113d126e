/**
 * An action whose module is loaded only when its command runs: `tollgate --help` and every other
 * command then start without loading viem, Solana, MCP or the database.
 */
export function lazy<Args extends unknown[]>(
  load: () => Promise<(...args: Args) => unknown>,
): (...args: Args) => Promise<void> {
  return async (...args) => {
    const run = await load()
    await run(...args)
  }
}
