import { type PaymentRequirements, TollgateError } from '@tollgate/core'
import { type Address, getAddress, isAddress } from 'viem'
import type { EvmSigner } from '../../signer.ts'
import { permit2Addresses } from './constants.ts'
import type { ExactPermit2Payload, UptoPermit2Payload } from './payload.ts'
import { exactPermit2TypedData, uptoPermit2TypedData } from './typedData.ts'

/** A random 256-bit Permit2 nonce, in decimal: Permit2's nonces are unordered bitmaps. */
function randomPermit2Nonce(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32))
  return BigInt(`0x${Buffer.from(bytes).toString('hex')}`).toString()
}

function common(signer: EvmSigner, requirements: PaymentRequirements, nowSeconds: number) {
  return {
    from: signer.address,
    permitted: { token: getAddress(requirements.asset), amount: requirements.amount },
    nonce: randomPermit2Nonce(),
    deadline: String(nowSeconds + requirements.maxTimeoutSeconds),
  }
}

/**
 * Signs an `exact` payment over Permit2: exactly the required amount of the asset, spendable only
 * by the exact proxy, only towards `payTo`. `validAfter` is "0", so clocks that disagree can never
 * make it early; the deadline bounds it.
 */
export async function signExactPermit2(
  signer: EvmSigner,
  requirements: PaymentRequirements,
  chainId: number,
  nowSeconds: number,
): Promise<ExactPermit2Payload> {
  const permit2Authorization = {
    ...common(signer, requirements, nowSeconds),
    spender: permit2Addresses.exactProxy,
    witness: { to: getAddress(requirements.payTo), validAfter: '0' },
  }
  const signature = await signer.signTypedData(exactPermit2TypedData(chainId, permit2Authorization))
  return { signature, permit2Authorization }
}

/**
 * Signs an `upto` payment: at most the required amount (the maximum), for the facilitator the
 * requirements name in `extra.facilitatorAddress`, which alone may settle it.
 * @throws TollgateError `REQUIREMENTS_MALFORMED` when no facilitator address is given.
 */
export async function signUptoPermit2(
  signer: EvmSigner,
  requirements: PaymentRequirements,
  chainId: number,
  nowSeconds: number,
): Promise<UptoPermit2Payload> {
  const facilitator = requirements.extra?.facilitatorAddress
  if (typeof facilitator !== 'string' || !isAddress(facilitator, { strict: false })) {
    throw new TollgateError(
      'REQUIREMENTS_MALFORMED',
      'an upto requirement needs extra.facilitatorAddress (the facilitator that settles it)',
    )
  }
  const permit2Authorization = {
    ...common(signer, requirements, nowSeconds),
    spender: permit2Addresses.uptoProxy,
    witness: {
      to: getAddress(requirements.payTo),
      facilitator: getAddress(facilitator as Address),
      validAfter: '0',
    },
  }
  const signature = await signer.signTypedData(uptoPermit2TypedData(chainId, permit2Authorization))
  return { signature, permit2Authorization }
}
