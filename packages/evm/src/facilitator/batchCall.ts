import { type Address, encodeFunctionData, type Hex } from 'viem'
import { aggregate3Abi } from '../abi.ts'
import type { NetworkRuntime } from './runtime.ts'
import { requiredSenderOf, settlementCallOf } from './transferMethod.ts'
import type { VerifiedPayment } from './verify.ts'

/** Gas given to each payment inside a batch; what is not used is not paid. */
export const batchItemGas = 110_000n
/** Gas for the transaction and Multicall3 around the items. */
const batchBaseGas = 40_000n
/** A payment whose signature a wallet contract checks (ERC-1271) costs more than ecrecover. */
const contractSignatureItemGas = 250_000n
/** Deploying a counterfactual wallet (ERC-6492) through its factory. */
const deployGas = 1_000_000n

/**
 * Whether a payment can ride in a shared batch: an EOA signature, no wallet deployment, and no
 * required sender (an `upto` permit must come from its facilitator, not from Multicall3).
 */
export function batchable(payment: VerifiedPayment): boolean {
  return (
    payment.signature.inner.length === 132 &&
    !payment.signature.deploy &&
    requiredSenderOf(payment) === undefined
  )
}

/**
 * One transaction for one or more verified payments. One EOA payment goes straight to the token
 * (or, for Permit2, the exact proxy); several go through Multicall3 `aggregate3` with failure allowed per item, so one bad
 * authorization never reverts the others. The gas limit is explicit: with failures allowed, an
 * estimate can leave a late item short of gas and it would fail silently.
 */
export function buildSettlementCall(
  runtime: NetworkRuntime,
  payments: readonly VerifiedPayment[],
  transferGasLimit: bigint,
): { to: Address; data: Hex; gas: bigint; kind: string; signer?: Address | undefined } {
  const [first] = payments
  if (payments.length === 1 && first && !first.signature.deploy) {
    const signer = requiredSenderOf(first)
    return { ...settlementCallOf(first), gas: transferGasLimit, kind: 'transfer', signer }
  }
  if (!runtime.multicall3)
    throw new Error('batched settlement needs a Multicall3 address for this network')
  const calls = payments.flatMap((payment) => [
    ...(payment.signature.deploy
      ? [
          {
            target: payment.signature.deploy.factory,
            allowFailure: true,
            callData: payment.signature.deploy.data,
            gas: deployGas,
          },
        ]
      : []),
    {
      target: settlementCallOf(payment).to,
      allowFailure: true,
      callData: settlementCallOf(payment).data,
      gas: batchable(payment) ? batchItemGas : contractSignatureItemGas,
    },
  ])
  return {
    to: runtime.multicall3,
    data: encodeFunctionData({
      abi: aggregate3Abi,
      functionName: 'aggregate3',
      args: [
        calls.map(({ target, allowFailure, callData }) => ({ target, allowFailure, callData })),
      ],
    }),
    gas: calls.reduce((sum, call) => sum + call.gas, batchBaseGas),
    kind: payments.length === 1 ? 'deploy-and-transfer' : 'batch',
  }
}
