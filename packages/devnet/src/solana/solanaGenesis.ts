/**
 * The devnet's starting state, written straight into the VM: a USDC-like mint (classic SPL Token,
 * 6 decimals, fixed supply), a payer holding SOL and all of that supply, a fee payer holding SOL
 * only, and a merchant with an empty associated token account so payments to it need no ATA
 * creation.
 * @module
 */
import { type Address, address, lamports } from '@solana/kit'
import {
  AccountState,
  findAssociatedTokenPda,
  getMintEncoder,
  getTokenEncoder,
  TOKEN_PROGRAM_ADDRESS,
} from '@solana-program/token'
import { type DevnetKeypair, devnetKeypair } from './devnetKeypairs.ts'
import type { SolanaChain } from './solanaChain.ts'

/** Decimals of the devnet's test USDC. */
export const SOLANA_DEVNET_DECIMALS = 6

/** The payer's test USDC at genesis (1,000,000 USDC in atomic units); also the whole supply. */
export const PAYER_USDC_ATOMIC = 1_000_000n * 10n ** BigInt(SOLANA_DEVNET_DECIMALS)

/** SOL given to the payer and the fee payer at genesis (1,000 SOL each). */
export const GENESIS_SOL_LAMPORTS = 1_000n * 1_000_000_000n

const SYSTEM_PROGRAM_ADDRESS = address('11111111111111111111111111111111')

export type SolanaGenesis = {
  mint: string
  payer: DevnetKeypair
  feePayer: DevnetKeypair
  merchant: DevnetKeypair
  payerTokenAccount: string
  merchantTokenAccount: string
}

/** Writes the genesis accounts into `chain` and describes them. */
export async function writeSolanaGenesis(chain: SolanaChain): Promise<SolanaGenesis> {
  const payer = devnetKeypair('payer')
  const feePayer = devnetKeypair('fee-payer')
  const merchant = devnetKeypair('merchant')
  const mint = address(devnetKeypair('usdc-mint').address)
  for (const funded of [payer, feePayer]) {
    writeAccount(
      chain,
      funded.address,
      SYSTEM_PROGRAM_ADDRESS,
      new Uint8Array(0),
      GENESIS_SOL_LAMPORTS,
    )
  }
  const mintData = getMintEncoder().encode({
    // No mint authority: the supply is fixed, so nobody (the payer included) can mint more.
    mintAuthority: null,
    supply: PAYER_USDC_ATOMIC,
    decimals: SOLANA_DEVNET_DECIMALS,
    isInitialized: true,
    freezeAuthority: null,
  })
  writeAccount(chain, mint, TOKEN_PROGRAM_ADDRESS, Uint8Array.from(mintData))
  const payerTokenAccount = await writeTokenAccount(chain, mint, payer.address, PAYER_USDC_ATOMIC)
  const merchantTokenAccount = await writeTokenAccount(chain, mint, merchant.address, 0n)
  return { mint, payer, feePayer, merchant, payerTokenAccount, merchantTokenAccount }
}

async function writeTokenAccount(
  chain: SolanaChain,
  mint: Address,
  owner: string,
  amount: bigint,
): Promise<string> {
  const [tokenAccount] = await findAssociatedTokenPda({
    owner: address(owner),
    mint,
    tokenProgram: TOKEN_PROGRAM_ADDRESS,
  })
  const tokenData = getTokenEncoder().encode({
    mint,
    owner: address(owner),
    amount,
    delegate: null,
    state: AccountState.Initialized,
    isNative: null,
    delegatedAmount: 0n,
    closeAuthority: null,
  })
  writeAccount(chain, tokenAccount, TOKEN_PROGRAM_ADDRESS, Uint8Array.from(tokenData))
  return tokenAccount
}

/** Writes an account holding `data`, owned by `owner`, with `balance` or else the rent minimum. */
function writeAccount(
  chain: SolanaChain,
  at: string,
  owner: Address,
  data: Uint8Array,
  balance?: bigint,
): void {
  const space = BigInt(data.length)
  chain.svm.setAccount({
    address: address(at),
    lamports: lamports(balance ?? chain.svm.minimumBalanceForRentExemption(space)),
    programAddress: owner,
    executable: false,
    data,
    space,
  })
}
