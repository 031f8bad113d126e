import type { PaymentRequirements, SettleResponse, VerifyResponse } from '@tollgate/core'
import type { ExactSvmFacilitatorOptions } from '../facilitator/options.ts'
import {
  facilitatorOn,
  healthyChain,
  paymentOf,
  requirementsOf,
  type SvmFixture,
} from './fixtures.ts'

export interface Attempt {
  verdict: VerifyResponse
  settled: SettleResponse
  /** Signatures the fee payer made, transactions sent, RPC calls of any kind. */
  signatures: number
  sends: number
  rpcCalls: number
}

/**
 * Verifies and then settles `transaction` on a healthy fake cluster, and reports what the
 * facilitator did. A refusal must carry its reason in both answers, with nothing signed or sent.
 */
export async function attempt(
  fixture: SvmFixture,
  transaction: string,
  options: {
    requirements?: PaymentRequirements
    facilitator?: Partial<Omit<ExactSvmFacilitatorOptions, 'rpc' | 'rpcUrl' | 'feePayers'>>
  } = {},
): Promise<Attempt> {
  const chain = healthyChain()
  const { facilitator, signatures } = facilitatorOn(fixture, chain, options.facilitator)
  const requirements = options.requirements ?? requirementsOf(fixture)
  const payment = paymentOf(requirements, transaction)
  const verdict = await facilitator.verify(payment, requirements)
  const settled = await facilitator.settle(payment, requirements)
  return {
    verdict,
    settled,
    signatures: signatures(),
    sends: chain.count('sendTransaction'),
    rpcCalls: chain.calls.length,
  }
}

/** The shape of a refusal made without any RPC call: same reason twice, nothing signed or sent. */
export function refusedWithoutRpc(reason: string) {
  return {
    verdict: { isValid: false, invalidReason: reason },
    settled: { success: false, errorReason: reason, transaction: '' },
    signatures: 0,
    sends: 0,
    rpcCalls: 0,
  }
}
