import { getPublicKeyFromAddress, verifySignature } from '@solana/kit'
import type { DecodedTransaction } from './decode.ts'
import { type Rejection, rejection } from './rejection.ts'

/**
 * Every required signature but the fee payer's (not made yet) must be present and valid over the
 * message bytes. Checked here, locally with Ed25519, because the simulation runs without
 * signature verification: the fee payer has not signed.
 */
export async function checkClientSignatures(
  decoded: DecodedTransaction,
): Promise<Rejection | undefined> {
  const checks = decoded.signers.slice(1).map(async (signer) => {
    const signature = decoded.transaction.signatures[signer]
    if (!signature) return `${signer} has not signed`
    try {
      const key = await getPublicKeyFromAddress(signer)
      const valid = await verifySignature(key, signature, decoded.transaction.messageBytes)
      return valid ? undefined : `the signature of ${signer} is not valid`
    } catch {
      return `${signer} is not an Ed25519 public key`
    }
  })
  const problem = (await Promise.all(checks)).find((found) => found !== undefined)
  return problem === undefined ? undefined : rejection('SVM_EXACT_SIGNATURE_INVALID', problem)
}
