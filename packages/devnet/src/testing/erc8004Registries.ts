/**
 * The ERC-8004 registries on a fresh devnet, with the accounts and call helpers their tests share.
 * @module
 */

import {
  agentIdentityRegistryAbi,
  agentReputationRegistryAbi,
  agentValidationRegistryAbi,
} from '@tollgate/contracts'
import {
  type Abi,
  type Address,
  BaseError,
  ContractFunctionRevertedError,
  createPublicClient,
  createWalletClient,
  http,
  parseEventLogs,
} from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { afterAll, beforeAll, expect } from 'vitest'
import { ANVIL_ACCOUNTS } from '../anvilAccounts.ts'
import { type DevnetContracts, deployDevnet } from '../deployDevnet.ts'
import { devnetChain } from '../devnetChain.ts'
import { type AnvilProcess, startAnvil } from '../startAnvil.ts'

export const account = (index: number) => privateKeyToAccount(ANVIL_ACCOUNTS[index]!.privateKey)
export const owner = account(5)
export const agentWallet = account(6)
export const reviewer = account(7)
export const validator = account(8)
export const operator = account(9)

export let anvil: AnvilProcess
export let contracts: DevnetContracts

/** A fresh anvil with the devnet's contracts for the calling test file. */
export function useRegistries(): void {
  beforeAll(async () => {
    anvil = await startAnvil()
    contracts = await deployDevnet({
      rpcUrl: anvil.rpcUrl,
      chainId: anvil.chainId,
      deployerPrivateKey: ANVIL_ACCOUNTS[0].privateKey,
    })
  })
  afterAll(async () => {
    await anvil?.stop()
  })
}

export function chain() {
  return devnetChain(anvil.chainId, anvil.rpcUrl, contracts.multicall3)
}
export function reader() {
  return createPublicClient({ chain: chain(), transport: http(), pollingInterval: 50 })
}
export function wallet(signer: ReturnType<typeof privateKeyToAccount>) {
  return createWalletClient({ account: signer, chain: chain(), transport: http() })
}

export const identity = () => ({
  address: contracts.canonical.identityRegistry,
  abi: agentIdentityRegistryAbi,
})
/** The identity registry's errors bubble up through the others; decoding them needs its ABI. */
export const identityErrors = agentIdentityRegistryAbi.filter((item) => item.type === 'error')
export const reputation = () => ({
  address: contracts.canonical.reputationRegistry,
  abi: [...agentReputationRegistryAbi, ...identityErrors],
})
export const validation = () => ({
  address: contracts.canonical.validationRegistry,
  abi: [...agentValidationRegistryAbi, ...identityErrors],
})

/** Sends a call and waits for it; returns the receipt's logs decoded with `abi`. */
export async function send(
  signer: ReturnType<typeof privateKeyToAccount>,
  target: { address: Address; abi: Abi },
  functionName: string,
  args: readonly unknown[],
) {
  const hash = await wallet(signer).writeContract({ ...target, functionName, args } as never)
  const receipt = await reader().waitForTransactionReceipt({ hash })
  expect(receipt.status).toBe('success')
  return parseEventLogs({ abi: target.abi, logs: receipt.logs })
}

/** The revert reason (or custom error name) of a call that must fail. */
export async function revertOf(
  signer: ReturnType<typeof privateKeyToAccount>,
  target: { address: Address; abi: Abi },
  functionName: string,
  args: readonly unknown[],
): Promise<string> {
  try {
    await reader().simulateContract({
      ...target,
      functionName,
      args,
      account: signer,
    } as never)
  } catch (error) {
    const reverted =
      error instanceof BaseError
        ? error.walk((cause) => cause instanceof ContractFunctionRevertedError)
        : undefined
    if (reverted instanceof ContractFunctionRevertedError)
      return reverted.reason ?? reverted.data?.errorName ?? 'unknown revert'
    throw error
  }
  throw new Error(`${functionName} did not revert`)
}

export async function now(): Promise<bigint> {
  return (await reader().getBlock()).timestamp
}

/** The arguments of the first `eventName` event among decoded logs; throws when there is none. */
export function argsOf(
  logs: ReadonlyArray<{ eventName: string; args: unknown }>,
  eventName: string,
): Record<string, unknown> {
  const found = logs.find((log) => log.eventName === eventName)
  if (!found) throw new Error(`no ${eventName} event in ${logs.map((log) => log.eventName)}`)
  return found.args as Record<string, unknown>
}

export async function register(uri: string): Promise<bigint> {
  return argsOf(await send(owner, identity(), 'register', [uri]), 'Registered').agentId as bigint
}

export function walletSetSignature(
  signer: ReturnType<typeof privateKeyToAccount>,
  agentId: bigint,
  newWallet: Address,
  deadline: bigint,
) {
  return signer.signTypedData({
    domain: {
      name: 'ERC8004IdentityRegistry',
      version: '1',
      chainId: anvil.chainId,
      verifyingContract: contracts.canonical.identityRegistry,
    },
    types: {
      AgentWalletSet: [
        { name: 'agentId', type: 'uint256' },
        { name: 'newWallet', type: 'address' },
        { name: 'owner', type: 'address' },
        { name: 'deadline', type: 'uint256' },
      ],
    },
    primaryType: 'AgentWalletSet',
    message: { agentId, newWallet, owner: owner.address, deadline },
  })
}
