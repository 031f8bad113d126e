/**
 * The dev stack's embedded Solana devnet, for tests: the payer's signer, SPL balances, the
 * requirement `/weather` offers on Solana, and our client for it.
 */
import type { PaymentRequirements, SchemeClient } from '@tollgate/core'
import { exactSvmClient, readSvmTokenBalance, svmSignerFromSecretKey } from '@tollgate/svm'
import type { DevStack } from 'tollgate'

/** The devnet payer's signer; its key is in the manifest (a public test key). */
export function solanaPayer(stack: DevStack) {
  return svmSignerFromSecretKey(stack.manifest.solana.payer.secretKey)
}

/** Test USDC in `owner`'s associated token account, in atomic units. */
export function splBalance(stack: DevStack, owner: string): Promise<bigint> {
  const { rpcUrl, mint } = stack.manifest.solana
  return readSvmTokenBalance({ rpcUrl }, owner, mint)
}

/** The payer's and the merchant's test USDC. */
export async function splBalances(stack: DevStack): Promise<{ payer: bigint; merchant: bigint }> {
  const [payer, merchant] = await Promise.all([
    splBalance(stack, stack.manifest.solana.payer.address),
    splBalance(stack, stack.solanaDevnet.merchant.address),
  ])
  return { payer, merchant }
}

/** The requirement the example API's `/weather` offers on Solana, fee payer included. */
export function solanaWeatherRequirements(stack: DevStack): PaymentRequirements {
  const { solana } = stack.manifest
  return {
    scheme: 'exact',
    network: solana.network,
    amount: stack.manifest.routes[0]!.amount,
    asset: solana.mint,
    payTo: stack.solanaDevnet.merchant.address,
    maxTimeoutSeconds: 300,
    extra: { feePayer: solana.feePayer.address },
  }
}

/** Our Solana client for the devnet payer, knowing the local mint as test USDC. */
export async function ourSolanaClient(stack: DevStack): Promise<SchemeClient> {
  const { solana } = stack.manifest
  return exactSvmClient({
    signer: await solanaPayer(stack),
    rpcUrl: solana.rpcUrl,
    assets: {
      [solana.network]: { address: solana.mint, decimals: solana.decimals, symbol: 'USDC' },
    },
  })
}
