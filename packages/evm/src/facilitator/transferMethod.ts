import type { ErrorCode } from '@tollgate/core'
import { type Address, getAddress, type Hex } from 'viem'
import { permit2Addresses } from '../exact/permit2/constants.ts'
import { isUptoAuthorization } from '../exact/permit2/typedData.ts'
import {
  diagnosePermit2Failure,
  exactPermit2SettleCalldata,
  permit2NonceUsed,
} from '../exact/permit2/verify.ts'
import { uptoSettleCalldata } from '../upto/verify.ts'
import { findAuthorizationUse } from './authorizationLookup.ts'
import { diagnoseTransferFailure } from './diagnose.ts'
import type { VerifiedPayment } from './outcome.ts'
import type { NetworkRuntime } from './runtime.ts'
import { transferCalldata } from './simulate.ts'

/*
 * Where the ways a payment moves differ once it is verified: EIP-3009 calls the token; Permit2
 * calls the x402 exact proxy, or for `upto` the upto proxy with the charge, and Permit2 pulls
 * from the payer.
 */

/** The call that moves a verified payment. */
export function settlementCallOf(payment: VerifiedPayment): { to: Address; data: Hex } {
  const { permit2 } = payment
  if (permit2 && isUptoAuthorization(permit2)) {
    const charge = BigInt(payment.authorization.value)
    return {
      to: permit2Addresses.uptoProxy,
      data: uptoSettleCalldata(permit2, charge, payment.signature.inner),
    }
  }
  if (permit2) {
    return {
      to: permit2Addresses.exactProxy,
      data: exactPermit2SettleCalldata(permit2, payment.signature.inner),
    }
  }
  return {
    to: payment.asset,
    data: transferCalldata(payment.authorization, payment.signature.inner),
  }
}

/**
 * The signer that must send the payment, if only one may: an `upto` permit names its facilitator
 * (the proxy checks `msg.sender`), so it goes alone, never through Multicall3.
 */
export function requiredSenderOf(payment: VerifiedPayment): Address | undefined {
  const { permit2 } = payment
  return permit2 && isUptoAuthorization(permit2)
    ? getAddress(permit2.witness.facilitator)
    : undefined
}

/**
 * Whether the payment's nonce was spent, and by which transaction where the chain names it.
 * Permit2 logs no event for a signature transfer, so a spent permit's transaction is known only
 * from the facilitator's own records (a receipt it holds), never from a lookup.
 */
export async function authorizationUse(
  runtime: NetworkRuntime,
  payment: VerifiedPayment,
  fromBlock: bigint,
): Promise<{ used: false } | { used: true; transaction: Hex | undefined }> {
  if (payment.permit2) {
    const used = await permit2NonceUsed(runtime, payment.payer, BigInt(payment.permit2.nonce))
    return used ? { used: true, transaction: undefined } : { used: false }
  }
  const nonce = payment.authorization.nonce as Hex
  return findAuthorizationUse(runtime, payment.asset, payment.payer, nonce, fromBlock)
}

/** The reason for a payment whose nonce is spent without a transaction of ours or a log naming one. */
export function nonceUsedCode(payment: VerifiedPayment): ErrorCode {
  return payment.permit2 ? 'PERMIT2_NONCE_USED' : 'EVM_EXACT_NONCE_USED'
}

/** Why a payment's transfer did not take effect, read from the chain. */
export async function diagnoseSettlementFailure(
  runtime: NetworkRuntime,
  payment: VerifiedPayment,
): Promise<ErrorCode> {
  const proxy = requiredSenderOf(payment) ? permit2Addresses.uptoProxy : permit2Addresses.exactProxy
  const diagnosed = payment.permit2
    ? await diagnosePermit2Failure(runtime, payment.asset, payment.authorization, proxy)
    : await diagnoseTransferFailure(runtime, payment.asset, payment.authorization)
  if (diagnosed === 'PERMIT2_SIMULATION_FAILED' && proxy === permit2Addresses.uptoProxy)
    return 'UPTO_TRANSACTION_FAILED'
  return diagnosed === 'EVM_EXACT_SIMULATION_FAILED' || diagnosed === 'PERMIT2_SIMULATION_FAILED'
    ? 'EVM_EXACT_TRANSACTION_FAILED'
    : diagnosed
}
