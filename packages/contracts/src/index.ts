/**
 * @tollgate/contracts: ABIs and creation bytecode of the devnet contracts (TestUSDC, Multicall3,
 * TestSmartWallet) and of the x402 contracts a devnet places at their canonical addresses
 * (Permit2's SignatureTransfer subset, the exact and upto Permit2 proxies), compiled from
 * `contracts/*.sol` by `scripts/compile.ts`.
 * @module
 */
export type { CanonicalContract } from './canonicalAddresses.ts'
export { CANONICAL_ADDRESSES } from './canonicalAddresses.ts'
export {
  multicall3Abi,
  multicall3Bytecode,
  permit2Abi,
  permit2Bytecode,
  testSmartWalletAbi,
  testSmartWalletBytecode,
  testUsdcAbi,
  testUsdcBytecode,
  x402ExactPermit2ProxyAbi,
  x402ExactPermit2ProxyBytecode,
  x402UptoPermit2ProxyAbi,
  x402UptoPermit2ProxyBytecode,
} from './generated.ts'
