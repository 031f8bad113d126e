/**
 * @tollgate/devnet: local devnets installed from npm alone. For EVM it starts anvil (from
 * `@foundry-rs/anvil`), deploys TestUSDC and Multicall3, funds accounts, and describes the result
 * as a viem chain. For Solana it embeds litesvm behind a local JSON-RPC endpoint, with a funded
 * payer, fee payer and test USDC mint.
 * @module
 */

export type { DevnetRole } from './anvilAccounts.ts'
export { ANVIL_ACCOUNTS, ANVIL_MNEMONIC, anvilAccount, DEVNET_ROLES } from './anvilAccounts.ts'
export type { StartAnvilOptions } from './anvilArguments.ts'
export type { DeployDevnetOptions, DevnetContracts, DevnetToken } from './deployDevnet.ts'
export { deployDevnet } from './deployDevnet.ts'
export { devnetChain } from './devnetChain.ts'
export type { DevnetErrorCode } from './errors.ts'
export { DevnetError, isDevnetError } from './errors.ts'
export type { FundDevnetOptions, FundDevnetResult } from './fundDevnet.ts'
export { fundDevnet } from './fundDevnet.ts'
export { resolveAnvilBinary } from './resolveAnvilBinary.ts'
export type { SolanaDevnet, StartSolanaDevnetOptions } from './solana/startSolanaDevnet.ts'
export { startSolanaDevnet } from './solana/startSolanaDevnet.ts'
export type { AnvilProcess } from './startAnvil.ts'
export { startAnvil } from './startAnvil.ts'
