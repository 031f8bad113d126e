/**
 * @tollgate/contracts: ABIs and creation bytecode of the devnet contracts (TestUSDC, Multicall3,
 * TestSmartWallet) and of the x402 contracts a devnet places at their canonical addresses
 * (Permit2's SignatureTransfer subset, the exact and upto Permit2 proxies, the
 * batch-settlement escrow and its two deposit collectors), and the ERC-8004 identity, reputation
 * and validation registries, compiled from
 * `contracts/*.sol` by `scripts/compile.ts`.
 * @module
 */
export type { CanonicalContract } from './canonicalAddresses.ts'
export { CANONICAL_ADDRESSES, ERC8004_ADDRESSES } from './canonicalAddresses.ts'
export {
  agentIdentityRegistryAbi,
  agentIdentityRegistryBytecode,
  agentReputationRegistryAbi,
  agentReputationRegistryBytecode,
  agentValidationRegistryAbi,
  agentValidationRegistryBytecode,
  erc3009DepositCollectorAbi,
  erc3009DepositCollectorBytecode,
  multicall3Abi,
  multicall3Bytecode,
  permit2Abi,
  permit2Bytecode,
  permit2DepositCollectorAbi,
  permit2DepositCollectorBytecode,
  testSmartWalletAbi,
  testSmartWalletBytecode,
  testUsdcAbi,
  testUsdcBytecode,
  x402BatchSettlementAbi,
  x402BatchSettlementBytecode,
  x402ExactPermit2ProxyAbi,
  x402ExactPermit2ProxyBytecode,
  x402UptoPermit2ProxyAbi,
  x402UptoPermit2ProxyBytecode,
} from './generated.ts'
