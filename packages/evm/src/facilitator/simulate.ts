import { type Address, decodeFunctionResult, encodeFunctionData, type Hex } from 'viem'
import { aggregate3Abi } from '../abi.ts'
import type { Authorization } from '../exact/eip3009/payload.ts'
import { encodeTransferWithAuthorization } from './eip3009Wire.ts'
import { isRevertError, revertMessage } from './rpcErrors.ts'
import type { NetworkRuntime } from './runtime.ts'
import type { ClassifiedSignature } from './signature.ts'
import { splitSignature } from './signature.ts'

/** Calldata of `transferWithAuthorization`: the (v, r, s) overload for 65-byte signatures. */
export function transferCalldata(authorization: Authorization, signature: Hex): Hex {
  return encodeTransferWithAuthorization(authorization, signature, splitSignature(signature))
}

export type SimulationResult = { ok: true } | { ok: false; message: string }

/**
 * Runs the transfer as an eth_call from the facilitator's signer. A revert is a verdict;
 * an RPC failure is thrown, so a flaky node never rejects a good payment.
 */
export async function simulateTransfer(
  runtime: NetworkRuntime,
  asset: Address,
  authorization: Authorization,
  signature: ClassifiedSignature,
): Promise<SimulationResult> {
  const data = transferCalldata(authorization, signature.inner)
  const from = runtime.signers[0]!.address
  try {
    if (!signature.deploy) {
      await runtime.client.call({ account: from, to: asset, data })
      return { ok: true }
    }
    return await simulateWithDeployment(runtime, asset, data, signature.deploy)
  } catch (error) {
    if (isRevertError(error)) return { ok: false, message: revertMessage(error) }
    throw error
  }
}

/** A counterfactual wallet: deploy and pay in one Multicall3 batch, as settle will. */
async function simulateWithDeployment(
  runtime: NetworkRuntime,
  asset: Address,
  transferData: Hex,
  deploy: { factory: Address; data: Hex },
): Promise<SimulationResult> {
  if (!runtime.multicall3)
    return { ok: false, message: 'no Multicall3 configured to simulate a wallet deployment' }
  const result = await runtime.client.call({
    account: runtime.signers[0]!.address,
    to: runtime.multicall3,
    data: encodeFunctionData({
      abi: aggregate3Abi,
      functionName: 'aggregate3',
      args: [
        [
          { target: deploy.factory, allowFailure: true, callData: deploy.data },
          { target: asset, allowFailure: true, callData: transferData },
        ],
      ],
    }),
  })
  const [, transfer] = decodeFunctionResult({
    abi: aggregate3Abi,
    functionName: 'aggregate3',
    data: result.data ?? '0x',
  })
  return transfer?.success
    ? { ok: true }
    : { ok: false, message: 'transfer reverts after the wallet deployment' }
}
