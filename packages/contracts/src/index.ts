/**
 * @tollgate/contracts: ABIs and creation bytecode of the devnet contracts (TestUSDC, Multicall3,
 * TestSmartWallet), compiled from `contracts/*.sol` by `scripts/compile.ts`.
 * @module
 */
export {
  multicall3Abi,
  multicall3Bytecode,
  testSmartWalletAbi,
  testSmartWalletBytecode,
  testUsdcAbi,
  testUsdcBytecode,
} from './generated.ts'
