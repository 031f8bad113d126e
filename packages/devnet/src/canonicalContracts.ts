/**
 * Places the x402 contracts at their canonical addresses on a devnet. x402 clients hard-code
 * those addresses (the Permit2 EIP-712 verifying contract, the proxy as spender), so a payment
 * signed by any client only settles against code at exactly these addresses.
 * @module
 */
import {
  agentIdentityRegistryAbi,
  agentIdentityRegistryBytecode,
  agentReputationRegistryAbi,
  agentReputationRegistryBytecode,
  agentValidationRegistryAbi,
  agentValidationRegistryBytecode,
  CANONICAL_ADDRESSES,
  ERC8004_ADDRESSES,
  erc3009DepositCollectorAbi,
  erc3009DepositCollectorBytecode,
  multicall3Abi,
  multicall3Bytecode,
  permit2Abi,
  permit2Bytecode,
  permit2DepositCollectorAbi,
  permit2DepositCollectorBytecode,
  x402BatchSettlementAbi,
  x402BatchSettlementBytecode,
  x402ExactPermit2ProxyAbi,
  x402ExactPermit2ProxyBytecode,
  x402UptoPermit2ProxyAbi,
  x402UptoPermit2ProxyBytecode,
} from '@tollgate/contracts'
import {
  type Abi,
  type Address,
  type Chain,
  encodeDeployData,
  type Hex,
  type PublicClient,
  type TestClient,
  type Transport,
} from 'viem'
import { DevnetError } from './errors.ts'

export type CanonicalContracts = {
  multicall3: Address
  permit2: Address
  x402ExactPermit2Proxy: Address
  x402UptoPermit2Proxy: Address
  x402BatchSettlement: Address
  erc3009DepositCollector: Address
  permit2DepositCollector: Address
  /** The ERC-8004 registries, at the testnet addresses (a local chain counts as a testnet). */
  identityRegistry: Address
  reputationRegistry: Address
  validationRegistry: Address
}

/**
 * Runs each constructor in an `eth_call` (which returns the runtime code it would deploy, with
 * its immutables filled in), then writes that code at the canonical address. None of these
 * constructors writes storage, so the code alone is the deployed contract: the ERC-8004
 * registries, which the canonical deployment initialises in storage behind proxies, keep their
 * names as constants and their identity registry as an immutable here.
 * @throws DevnetError `TRANSACTION_FAILED` when a constructor returns no code.
 */
export async function placeCanonicalContracts(
  publicClient: PublicClient<Transport, Chain>,
  testClient: TestClient<'anvil', Transport, Chain>,
): Promise<CanonicalContracts> {
  const permit2 = CANONICAL_ADDRESSES.permit2
  const erc8004 = ERC8004_ADDRESSES.testnet
  const placements: Array<{ address: Address; abi: Abi; bytecode: Hex; args: readonly unknown[] }> =
    [
      {
        address: CANONICAL_ADDRESSES.multicall3,
        abi: multicall3Abi,
        bytecode: multicall3Bytecode,
        args: [],
      },
      { address: permit2, abi: permit2Abi, bytecode: permit2Bytecode, args: [] },
      {
        address: CANONICAL_ADDRESSES.x402ExactPermit2Proxy,
        abi: x402ExactPermit2ProxyAbi,
        bytecode: x402ExactPermit2ProxyBytecode,
        args: [permit2],
      },
      {
        address: CANONICAL_ADDRESSES.x402UptoPermit2Proxy,
        abi: x402UptoPermit2ProxyAbi,
        bytecode: x402UptoPermit2ProxyBytecode,
        args: [permit2],
      },
      {
        address: CANONICAL_ADDRESSES.x402BatchSettlement,
        abi: x402BatchSettlementAbi,
        bytecode: x402BatchSettlementBytecode,
        args: [],
      },
      // The collectors hold the escrow's address as an immutable, so they are built for the
      // canonical escrow before they move.
      {
        address: CANONICAL_ADDRESSES.erc3009DepositCollector,
        abi: erc3009DepositCollectorAbi,
        bytecode: erc3009DepositCollectorBytecode,
        args: [CANONICAL_ADDRESSES.x402BatchSettlement],
      },
      {
        address: CANONICAL_ADDRESSES.permit2DepositCollector,
        abi: permit2DepositCollectorAbi,
        bytecode: permit2DepositCollectorBytecode,
        args: [CANONICAL_ADDRESSES.x402BatchSettlement, permit2],
      },
      {
        address: erc8004.identityRegistry,
        abi: agentIdentityRegistryAbi,
        bytecode: agentIdentityRegistryBytecode,
        args: [],
      },
      {
        address: erc8004.reputationRegistry,
        abi: agentReputationRegistryAbi,
        bytecode: agentReputationRegistryBytecode,
        args: [erc8004.identityRegistry],
      },
      {
        address: erc8004.validationRegistry,
        abi: agentValidationRegistryAbi,
        bytecode: agentValidationRegistryBytecode,
        args: [erc8004.identityRegistry],
      },
    ]
  for (const { address, abi, bytecode, args } of placements) {
    const { data: runtimeCode } = await publicClient.call({
      data: encodeDeployData({ abi, bytecode, args }),
    })
    if (!runtimeCode || runtimeCode === '0x') {
      throw new DevnetError('TRANSACTION_FAILED', `the constructor for ${address} returned no code`)
    }
    await testClient.setCode({ address, bytecode: runtimeCode })
  }
  return {
    multicall3: CANONICAL_ADDRESSES.multicall3,
    permit2,
    x402ExactPermit2Proxy: CANONICAL_ADDRESSES.x402ExactPermit2Proxy,
    x402UptoPermit2Proxy: CANONICAL_ADDRESSES.x402UptoPermit2Proxy,
    x402BatchSettlement: CANONICAL_ADDRESSES.x402BatchSettlement,
    erc3009DepositCollector: CANONICAL_ADDRESSES.erc3009DepositCollector,
    permit2DepositCollector: CANONICAL_ADDRESSES.permit2DepositCollector,
    ...erc8004,
  }
}
