/**
 * Deploys the devnet contracts: TestUSDC and Multicall3, and places the x402 contracts (Permit2,
 * the exact and upto Permit2 proxies) at their canonical addresses.
 * @module
 */
import {
  multicall3Abi,
  multicall3Bytecode,
  testUsdcAbi,
  testUsdcBytecode,
} from '@tollgate/contracts'
import { type Address, getAddress, type Hex } from 'viem'
import { type CanonicalContracts, placeCanonicalContracts } from './canonicalContracts.ts'
import { connectDevnet, waitForSuccess } from './devnetClients.ts'
import { DevnetError } from './errors.ts'

export type DeployDevnetOptions = {
  rpcUrl: string
  chainId: number
  /** Deploys both contracts and becomes TestUSDC's owner (the only account that can mint). */
  deployerPrivateKey: Hex
  /**
   * EIP-712 domain and ERC-20 metadata.
   * @default { name: 'USD Coin', symbol: 'USDC', version: '2' }
   */
  token?: { name?: string; symbol?: string; version?: string }
}

export type DevnetToken = {
  address: Address
  /** EIP-712 domain name; what x402 requirements carry in `extra.name`. */
  name: string
  symbol: string
  /** EIP-712 domain version; what x402 requirements carry in `extra.version`. */
  version: string
  decimals: 6
}

export type DevnetContracts = {
  token: DevnetToken
  multicall3: Address
  /** The x402 contracts, at the addresses official clients sign for. */
  canonical: CanonicalContracts
  /** The first block holding one of these contracts; scan logs from here. */
  deployBlock: bigint
}

/** Base mainnet USDC's metadata. Base Sepolia's USDC differs: its domain name is "USDC". */
const DEFAULT_TOKEN = { name: 'USD Coin', symbol: 'USDC', version: '2' } as const

/**
 * Deploys TestUSDC, then Multicall3, from the deployer's next two nonces. On a fresh chain with
 * anvil account 0 as deployer the addresses are always the same:
 * TestUSDC at 0x5FbDB2315678afecb367f032d93F642f64180aa3 and
 * Multicall3 at 0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512.
 * @throws DevnetError `CHAIN_ID_MISMATCH` or `TRANSACTION_FAILED`; viem errors for RPC failures.
 * @example
 * const contracts = await deployDevnet({
 *   rpcUrl: anvil.rpcUrl,
 *   chainId: anvil.chainId,
 *   deployerPrivateKey: ANVIL_ACCOUNTS[DEVNET_ROLES.deployer].privateKey,
 * })
 */
export async function deployDevnet(options: DeployDevnetOptions): Promise<DevnetContracts> {
  const token = { ...DEFAULT_TOKEN, ...options.token }
  const { account, publicClient, walletClient, testClient } = await connectDevnet(
    options.rpcUrl,
    options.chainId,
    options.deployerPrivateKey,
  )
  // Explicit nonces pin the order (token first, Multicall3 second), which is what makes the
  // addresses predictable, even with interval mining where both land in one block.
  const nonce = await publicClient.getTransactionCount({
    address: account.address,
    blockTag: 'pending',
  })
  const tokenHash = await walletClient.deployContract({
    abi: testUsdcAbi,
    bytecode: testUsdcBytecode,
    args: [token.name, token.symbol, token.version],
    nonce,
  })
  const multicallHash = await walletClient.deployContract({
    abi: multicall3Abi,
    bytecode: multicall3Bytecode,
    nonce: nonce + 1,
  })
  const [tokenReceipt, multicallReceipt] = await waitForSuccess(publicClient, [
    { hash: tokenHash, label: 'TestUSDC deployment' },
    { hash: multicallHash, label: 'Multicall3 deployment' },
  ])
  const tokenAddress = tokenReceipt?.contractAddress
  const multicallAddress = multicallReceipt?.contractAddress
  if (!tokenReceipt || !multicallReceipt || !tokenAddress || !multicallAddress) {
    throw new DevnetError('TRANSACTION_FAILED', 'a deployment receipt has no contract address')
  }
  const canonical = await placeCanonicalContracts(publicClient, testClient)
  // Receipts carry lowercase addresses; checksummed ones compare equal to what users paste.
  return {
    token: { address: getAddress(tokenAddress), ...token, decimals: 6 },
    multicall3: getAddress(multicallAddress),
    canonical,
    deployBlock: minBigInt(tokenReceipt.blockNumber, multicallReceipt.blockNumber),
  }
}

function minBigInt(a: bigint, b: bigint): bigint {
  return a < b ? a : b
}
