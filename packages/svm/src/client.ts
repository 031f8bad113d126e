import {
  type Address,
  address,
  appendTransactionMessageInstructions,
  createTransactionMessage,
  getBase64EncodedWireTransaction,
  type Instruction,
  isAddress,
  partiallySignTransactionMessageWithSigners,
  pipe,
  setTransactionMessageFeePayer,
  setTransactionMessageLifetimeUsingBlockhash,
  type TransactionModifyingSigner,
  type TransactionPartialSigner,
} from '@solana/kit'
import {
  getSetComputeUnitLimitInstruction,
  getSetComputeUnitPriceInstruction,
} from '@solana-program/compute-budget'
import { findAssociatedTokenPda, getTransferCheckedInstruction } from '@solana-program/token'
import {
  mergeAssetTables,
  type PaymentContext,
  type PaymentRequirements,
  type SchemeClient,
  TollgateError,
} from '@tollgate/core'
import { defaultSvmAssets, isSolanaNetwork, isUsdStable, type SvmAsset } from './assets.ts'
import { readTokenBalance } from './balance.ts'
import {
  clientComputeUnitLimit,
  clientComputeUnitPriceMicroLamports,
  memoBytesMax,
  memoProgram,
} from './constants.ts'
import { MintCache } from './mint.ts'
import { rpcOf, type SvmClientRpc, type SvmRpcSource, solanaRpc } from './rpc.ts'

/** Signs for the buyer: a kit `KeyPairSigner`, or a wallet that partially signs transactions. */
export type SvmSigner = TransactionPartialSigner | TransactionModifyingSigner

export type ExactSvmClientOptions = {
  signer: SvmSigner
  /** @default ['solana:*'] */
  networks?: readonly string[]
  /**
   * Assets this client recognises, per network, beside the default USDC table: one or a list.
   * They join the defaults (a devnet's test token on Base Sepolia's id leaves Circle's USDC known).
   */
  assets?: Readonly<Record<string, SvmAsset | readonly SvmAsset[]>>
  /** 16 random bytes for the memo that makes each transaction unique; injected for tests. */
  randomBytes?: (length: number) => Uint8Array
} & SvmRpcSource<SvmClientRpc>

/**
 * The buyer's side of `exact` on Solana: a v0 transaction paid for by the facilitator
 * (`extra.feePayer`) that moves exactly the required amount from the buyer's associated token
 * account to the payee's, partially signed by the buyer. The wire format is the reference's:
 * compute unit limit, compute unit price, TransferChecked, Memo.
 */
export function exactSvmClient(options: ExactSvmClientOptions): SchemeClient {
  const rpc = rpcOf<SvmClientRpc>(options, solanaRpc)
  const assets = mergeAssetTables(defaultSvmAssets, options.assets)
  const mints = new MintCache()
  const randomBytes =
    options.randomBytes ?? ((length: number) => crypto.getRandomValues(new Uint8Array(length)))
  return {
    scheme: 'exact',
    networks: options.networks ?? ['solana:*'],
    async createPayload(requirements: PaymentRequirements, _context: PaymentContext) {
      const { feePayer, memo, mint, payTo, amount } = readRequirements(requirements)
      const facts = await mints.read(rpc, requirements.network, mint)
      const [[source], [destination]] = await Promise.all([
        findAssociatedTokenPda({
          owner: options.signer.address,
          mint,
          tokenProgram: facts.tokenProgram,
        }),
        findAssociatedTokenPda({ owner: payTo, mint, tokenProgram: facts.tokenProgram }),
      ])
      const { value: blockhash } = await rpc.getLatestBlockhash({ commitment: 'confirmed' }).send()
      const instructions: Instruction[] = [
        getSetComputeUnitLimitInstruction({ units: clientComputeUnitLimit }),
        getSetComputeUnitPriceInstruction({ microLamports: clientComputeUnitPriceMicroLamports }),
        getTransferCheckedInstruction(
          {
            source,
            mint,
            destination,
            authority: options.signer,
            amount,
            decimals: facts.decimals,
          },
          { programAddress: facts.tokenProgram },
        ),
        {
          programAddress: memoProgram,
          data: memo ?? new TextEncoder().encode(toHex(randomBytes(16))),
        },
      ]
      const message = pipe(
        createTransactionMessage({ version: 0 }),
        (draft) => setTransactionMessageFeePayer(feePayer, draft),
        (draft) => setTransactionMessageLifetimeUsingBlockhash(blockhash, draft),
        (draft) => appendTransactionMessageInstructions(instructions, draft),
      )
      const signed = await partiallySignTransactionMessageWithSigners(message)
      return { transaction: getBase64EncodedWireTransaction(signed) }
    },
    async balanceOf(requirements: PaymentRequirements) {
      if (!isSolanaNetwork(requirements.network) || !isAddress(requirements.asset)) return undefined
      const mint = address(requirements.asset)
      try {
        const facts = await mints.read(rpc, requirements.network, mint)
        return await readTokenBalance(rpc, options.signer.address, mint, facts.tokenProgram)
      } catch {
        // An RPC that does not answer, or a mint it does not know: the balance is unknown.
        return undefined
      }
    },
    describeAsset(network, mint) {
      const asset = assets.get(network)?.find((candidate) => candidate.address === mint)
      if (!asset) return undefined
      return {
        symbol: asset.symbol ?? 'unknown',
        decimals: asset.decimals,
        usdPegged: isUsdStable(asset),
      }
    },
  }
}

const u64Max = 2n ** 64n - 1n

/** The requirement's fields the transaction is built from, each checked. */
function readRequirements(requirements: PaymentRequirements): {
  feePayer: Address
  memo: Uint8Array | undefined
  mint: Address
  payTo: Address
  amount: bigint
} {
  if (!isSolanaNetwork(requirements.network)) {
    throw new TollgateError(
      'NETWORK_UNSUPPORTED',
      `${requirements.network} is not a Solana network`,
    )
  }
  const feePayer = requirements.extra?.feePayer
  if (typeof feePayer !== 'string' || !isAddress(feePayer)) {
    throw new TollgateError(
      'SVM_EXACT_FEE_PAYER_MISSING',
      'the requirement has no extra.feePayer (the facilitator address that pays the fees)',
    )
  }
  const memoText = requirements.extra?.memo
  let memo: Uint8Array | undefined
  if (memoText !== undefined) {
    memo = typeof memoText === 'string' ? new TextEncoder().encode(memoText) : undefined
    if (!memo || memo.length === 0 || memo.length > memoBytesMax) {
      throw new TollgateError(
        'REQUIREMENTS_MALFORMED',
        `extra.memo must be a string of 1 to ${memoBytesMax} UTF-8 bytes`,
      )
    }
  }
  if (!isAddress(requirements.asset) || !isAddress(requirements.payTo)) {
    throw new TollgateError('REQUIREMENTS_MALFORMED', 'asset and payTo must be Solana addresses')
  }
  const amount = BigInt(requirements.amount)
  if (amount > u64Max) {
    throw new TollgateError('REQUIREMENTS_MALFORMED', `amount ${amount} does not fit in a u64`)
  }
  return {
    feePayer: address(feePayer),
    memo,
    mint: address(requirements.asset),
    payTo: address(requirements.payTo),
    amount,
  }
}

function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('')
}
