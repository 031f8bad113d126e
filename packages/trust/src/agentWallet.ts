import type { Address } from 'viem'

/**
 * The EIP-712 consent a wallet signs before the identity registry names it an agent's wallet
 * (ERC-8004 `setAgentWallet`): bound to the agent, its current owner and a deadline.
 */
export function agentWalletTypedData(input: {
  chainId: number
  identityRegistry: Address
  agentId: bigint
  newWallet: Address
  owner: Address
  deadline: bigint
}) {
  return {
    domain: {
      name: 'ERC8004IdentityRegistry',
      version: '1',
      chainId: input.chainId,
      verifyingContract: input.identityRegistry,
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
    message: {
      agentId: input.agentId,
      newWallet: input.newWallet,
      owner: input.owner,
      deadline: input.deadline,
    },
  } as const
}
