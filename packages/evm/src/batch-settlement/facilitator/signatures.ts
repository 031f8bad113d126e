import type { Address, Hex } from 'viem'
import type { NetworkRuntime } from '../../facilitator/runtime.ts'
import { checkContractSignature, checkEcdsaSignature } from '../../facilitator/signature.ts'

/**
 * Why `signature` is not `signer`'s over `digest`, or undefined when it is: strict ECDSA for an
 * account without code, ERC-1271 for one with code (a wallet, or an EOA with a delegation), as
 * the token, Permit2 and the escrow judge it on chain. One RPC call (the code) at least.
 */
export async function signatureProblem(
  runtime: NetworkRuntime,
  digest: Hex,
  signature: Hex,
  signer: Address,
): Promise<string | undefined> {
  const code = await runtime.client.getCode({ address: signer })
  const problem =
    code === undefined || code === '0x'
      ? await checkEcdsaSignature(digest, signature, signer)
      : await checkContractSignature(runtime.client, digest, signature, signer)
  return problem?.message
}
