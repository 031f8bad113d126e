import type {
  OfferPayload,
  OfferReceiptSigner,
  ReceiptPayload,
  SignedOffer,
  SignedReceipt,
} from '@tollgate/core'
import { type Address, type Hex, recoverTypedDataAddress } from 'viem'
import type { EvmSigner } from './signer.ts'

/*
 * `offer-receipt` in EIP-712 (x402 §7.5): fixed domains on chain id 1 whatever network was paid,
 * since the signature is about the offer, not a transaction. Fields the server leaves out are
 * `0` or `""`, so every field is always signed.
 */
const offerDomain = { name: 'x402 offer', version: '1', chainId: 1 } as const
const receiptDomain = { name: 'x402 receipt', version: '1', chainId: 1 } as const

export const offerTypes = {
  Offer: [
    { name: 'version', type: 'uint256' },
    { name: 'resourceUrl', type: 'string' },
    { name: 'scheme', type: 'string' },
    { name: 'network', type: 'string' },
    { name: 'asset', type: 'string' },
    { name: 'payTo', type: 'string' },
    { name: 'amount', type: 'string' },
    { name: 'validUntil', type: 'uint256' },
  ],
} as const

export const receiptTypes = {
  Receipt: [
    { name: 'version', type: 'uint256' },
    { name: 'network', type: 'string' },
    { name: 'resourceUrl', type: 'string' },
    { name: 'payer', type: 'string' },
    { name: 'issuedAt', type: 'uint256' },
    { name: 'transaction', type: 'string' },
  ],
} as const

function offerMessage(payload: OfferPayload) {
  return { ...payload, version: BigInt(payload.version), validUntil: BigInt(payload.validUntil) }
}

function receiptMessage(payload: ReceiptPayload) {
  return { ...payload, version: BigInt(payload.version), issuedAt: BigInt(payload.issuedAt) }
}

/** Signs a server's offers and receipts with an EVM key (a `LocalAccount`, a remote signer). */
export function eip712OfferReceiptSigner(signer: EvmSigner): OfferReceiptSigner {
  return {
    format: 'eip712',
    signer: signer.address,
    async signOffer(payload): Promise<SignedOffer> {
      const signature = await signer.signTypedData({
        domain: offerDomain,
        types: offerTypes,
        primaryType: 'Offer',
        message: offerMessage(payload),
      })
      return { format: 'eip712', payload, signature }
    },
    async signReceipt(payload): Promise<SignedReceipt> {
      const signature = await signer.signTypedData({
        domain: receiptDomain,
        types: receiptTypes,
        primaryType: 'Receipt',
        message: receiptMessage(payload),
      })
      return { format: 'eip712', payload, signature }
    },
  }
}

/** Who signed an EIP-712 offer or receipt; undefined when it is not one or does not recover. */
export async function offerReceiptSignerOf(
  signed: SignedOffer | SignedReceipt,
): Promise<Address | undefined> {
  if (signed.format !== 'eip712' || !signed.payload) return undefined
  try {
    const signature = signed.signature as Hex
    return 'scheme' in signed.payload
      ? await recoverTypedDataAddress({
          domain: offerDomain,
          types: offerTypes,
          primaryType: 'Offer',
          message: offerMessage(signed.payload),
          signature,
        })
      : await recoverTypedDataAddress({
          domain: receiptDomain,
          types: receiptTypes,
          primaryType: 'Receipt',
          message: receiptMessage(signed.payload),
          signature,
        })
  } catch {
    return undefined
  }
}
