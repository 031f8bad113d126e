import { address } from '@solana/kit'

/** Program and protocol constants of `exact` on Solana (x402 spec §5 and §10). */

export const computeBudgetProgram = address('ComputeBudget111111111111111111111111111111')
export const tokenProgram = address('TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA')
export const token2022Program = address('TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb')
/** SPL Memo v2, the program the spec names (not the newer one `@solana-program/memo` targets). */
export const memoProgram = address('MemoSq4gqABAXKb96qnH8TysNcWxMyWCqXgDLGmfcHr')
/** Phantom and Solflare inject its assertions into the transactions they sign. */
export const lighthouseProgram = address('L2TExMFKdjpN9kozasaurPirfHy9P8sbXoAN1qA3S95')
export const systemProgram = address('11111111111111111111111111111111')

/** The compute unit limit the client requests: a TransferChecked and a Memo fit well inside. */
export const clientComputeUnitLimit = 20_000
/** The compute unit price the client offers, in microlamports per unit. */
export const clientComputeUnitPriceMicroLamports = 1n
/** A seller memo longer than this many UTF-8 bytes is refused (reference MAX_MEMO_BYTES). */
export const memoBytesMax = 256
/** Solana's packet limit: no serialized transaction is larger. */
export const transactionBytesMax = 1232
/** The longest base64 text a transaction of `transactionBytesMax` bytes can take. */
export const transactionBase64LengthMax = Math.ceil(transactionBytesMax / 3) * 4
/** Lamports charged per signature, on top of the priority fee. */
export const lamportsPerSignature = 5_000n

/** Instruction discriminators the verifier reads. */
export const discriminators = {
  setComputeUnitLimit: 2,
  setComputeUnitPrice: 3,
  transferChecked: 12,
  /** System program instructions are a little-endian u32; 4 is AdvanceNonceAccount. */
  advanceNonceAccount: 4,
} as const
