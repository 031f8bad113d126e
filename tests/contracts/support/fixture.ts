/**
 * Test fixture for the contract behaviour tests: a fresh anvil with TestUSDC, Multicall3 and a
 * TestSmartWallet deployed, and viem clients for the conventional devnet roles.
 * @module
 */

import { testSmartWalletAbi, testSmartWalletBytecode } from '@tollgate/contracts'
import {
  ANVIL_ACCOUNTS,
  type AnvilProcess,
  anvilAccount,
  DEVNET_ROLES,
  deployDevnet,
  devnetChain,
  fundDevnet,
  startAnvil,
} from '@tollgate/devnet'
import {
  type Address,
  type Chain,
  createPublicClient,
  createTestClient,
  createWalletClient,
  http,
  type PrivateKeyAccount,
  type PublicClient,
  type TestClient,
  type Transport,
  type WalletClient,
} from 'viem'

/** Test USDC minted to the payer and to the smart wallet: 1 000 USDC each. */
export const INITIAL_BALANCE = 1_000_000_000n

export type Wallet = WalletClient<Transport, Chain, PrivateKeyAccount>

export type ContractsFixture = {
  anvil: AnvilProcess
  chain: Chain
  publicClient: PublicClient<Transport, Chain>
  testClient: TestClient<'anvil', Transport, Chain>
  token: Address
  multicall3: Address
  /** A TestSmartWallet owned by the payer, holding INITIAL_BALANCE test USDC. */
  smartWallet: Address
  /** EIP-712 domain of the token, as x402 clients build it. */
  domain: { name: string; version: string; chainId: number; verifyingContract: Address }
  deployer: Wallet
  facilitator: Wallet
  payer: Wallet
  merchant: Wallet
  /** An account with no role, e.g. for signatures by the wrong key. */
  stranger: Wallet
  stop(): Promise<void>
}

/** Starts anvil on a free port and deploys everything. Call `stop()` in `afterAll`. */
export async function startContractsFixture(): Promise<ContractsFixture> {
  const anvil = await startAnvil()
  try {
    return await deployFixture(anvil)
  } catch (error) {
    await anvil.stop()
    throw error
  }
}

async function deployFixture(anvil: AnvilProcess): Promise<ContractsFixture> {
  const { rpcUrl, chainId } = anvil
  const deployerPrivateKey = ANVIL_ACCOUNTS[DEVNET_ROLES.deployer].privateKey
  const contracts = await deployDevnet({ rpcUrl, chainId, deployerPrivateKey })
  const chain = devnetChain(chainId, rpcUrl, contracts.multicall3)
  const transport = http(rpcUrl, { retryCount: 0 })
  const publicClient = createPublicClient({ chain, transport, pollingInterval: 50 })
  const testClient = createTestClient({ mode: 'anvil', chain, transport })
  const walletFor = (index: number): Wallet =>
    createWalletClient({ account: anvilAccount(index), chain, transport })
  const payer = walletFor(DEVNET_ROLES.payer)
  const deployer = walletFor(DEVNET_ROLES.deployer)
  const deployHash = await deployer.deployContract({
    abi: testSmartWalletAbi,
    bytecode: testSmartWalletBytecode,
    args: [payer.account.address],
  })
  const receipt = await publicClient.waitForTransactionReceipt({ hash: deployHash })
  const smartWallet = receipt.contractAddress
  if (!smartWallet) throw new Error('TestSmartWallet deployment has no contract address')
  await fundDevnet({
    rpcUrl,
    chainId,
    deployerPrivateKey,
    token: contracts.token.address,
    usdc: [
      { address: payer.account.address, amount: INITIAL_BALANCE },
      { address: smartWallet, amount: INITIAL_BALANCE },
    ],
  })
  const { name, version } = contracts.token
  return {
    anvil,
    chain,
    publicClient,
    testClient,
    token: contracts.token.address,
    multicall3: contracts.multicall3,
    smartWallet,
    domain: { name, version, chainId, verifyingContract: contracts.token.address },
    deployer,
    facilitator: walletFor(DEVNET_ROLES.facilitator),
    payer,
    merchant: walletFor(DEVNET_ROLES.merchant),
    stranger: walletFor(9),
    stop: () => anvil.stop(),
  }
}
