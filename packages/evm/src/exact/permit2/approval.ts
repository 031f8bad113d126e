import {
  type Address,
  encodeFunctionData,
  getAddress,
  type Hex,
  maxUint256,
  type PublicClient,
} from 'viem'
import { erc20ApprovalAbi, permit2Addresses } from './constants.ts'

/**
 * The one-time transaction a payer sends before paying with Permit2: `approve(Permit2, max)` on
 * the token. Permit2 then moves only what each signed transfer allows, to whom it names.
 */
export function permit2ApprovalCall(
  token: Address,
  amount: bigint = maxUint256,
): { to: Address; data: Hex } {
  return {
    to: getAddress(token),
    data: encodeFunctionData({
      abi: erc20ApprovalAbi,
      functionName: 'approve',
      args: [permit2Addresses.permit2, amount],
    }),
  }
}

/** How much of `token` Permit2 may move for `owner`. */
export function permit2Allowance(
  client: PublicClient,
  token: Address,
  owner: Address,
): Promise<bigint> {
  return client.readContract({
    address: getAddress(token),
    abi: erc20ApprovalAbi,
    functionName: 'allowance',
    args: [getAddress(owner), permit2Addresses.permit2],
  })
}
