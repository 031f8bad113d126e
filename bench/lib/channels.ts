import {
  decodePaymentRequiredHeader,
  encodePaymentHeader,
  type PaymentRequirements,
} from '@tollgate/core'
import {
  batchSettlementAddresses,
  type ChannelConfig,
  channelIdOf,
  depositNonceOf,
  receiveWithAuthorizationTypes,
  signVoucher,
} from '@tollgate/evm'
import { getAddress, type LocalAccount, numberToHex } from 'viem'

/** The offer a voucher route makes, read from its 402. */
export async function voucherOffer(url: string): Promise<PaymentRequirements> {
  const response = await fetch(url)
  const header = response.headers.get('PAYMENT-REQUIRED')
  if (response.status !== 402 || !header) throw new Error(`${url} did not answer 402`)
  const offer = decodePaymentRequiredHeader(header).accepts.find(
    (accept) => accept.scheme === 'batch-settlement',
  )
  if (!offer) throw new Error(`${url} offers no batch-settlement`)
  return offer
}

/** One channel of `payer` to the offer's payee, told apart from its others by `salt`. */
export function channelOf(
  payer: LocalAccount,
  offer: PaymentRequirements,
  salt: number,
): ChannelConfig {
  return {
    payer: payer.address,
    payerAuthorizer: payer.address,
    receiver: getAddress(offer.payTo),
    receiverAuthorizer: getAddress(String(offer.extra?.receiverAuthorizer)),
    token: getAddress(offer.asset),
    withdrawDelay: Number(offer.extra?.withdrawDelay ?? 900),
    salt: numberToHex(salt, { size: 32 }),
  }
}

/** The PAYMENT-SIGNATURE header of a deposit opening `channel` with `amount`, paying one price. */
export async function depositHeader(
  payer: LocalAccount,
  offer: PaymentRequirements,
  channel: ChannelConfig,
  amount: bigint,
  chainId: number,
) {
  const channelId = channelIdOf(channel, chainId)
  const salt = numberToHex(BigInt(Date.now()) * 1000n + BigInt(Math.floor(Math.random() * 1000)), {
    size: 32,
  })
  const validBefore = BigInt(Math.floor(Date.now() / 1000) + 3600)
  const signature = await payer.signTypedData({
    domain: {
      name: String(offer.extra?.name),
      version: String(offer.extra?.version),
      chainId,
      verifyingContract: getAddress(offer.asset),
    },
    types: receiveWithAuthorizationTypes,
    primaryType: 'ReceiveWithAuthorization',
    message: {
      from: payer.address,
      to: batchSettlementAddresses.erc3009Collector,
      value: amount,
      validAfter: 0n,
      validBefore,
      nonce: depositNonceOf(channelId, salt),
    },
  })
  const price = BigInt(offer.amount)
  return encodePaymentHeader({
    x402Version: 2,
    accepted: offer,
    payload: {
      type: 'deposit',
      channelConfig: channel,
      voucher: {
        channelId,
        maxClaimableAmount: price.toString(),
        signature: await signVoucher(payer, channelId, price, chainId),
      },
      deposit: {
        amount: amount.toString(),
        authorization: {
          erc3009Authorization: {
            validAfter: '0',
            validBefore: validBefore.toString(),
            salt,
            signature,
          },
        },
      },
    },
  })
}

/** Headers of the vouchers that pay requests `from`..`to` (1-based) after the deposit's first. */
export async function voucherHeaders(
  payer: LocalAccount,
  offer: PaymentRequirements,
  channel: ChannelConfig,
  from: number,
  to: number,
  chainId: number,
) {
  const channelId = channelIdOf(channel, chainId)
  const price = BigInt(offer.amount)
  const headers: Array<{ name: string; value: string }> = []
  for (let request = from; request <= to; request++) {
    const max = price * BigInt(request)
    headers.push(
      encodePaymentHeader({
        x402Version: 2,
        accepted: offer,
        payload: {
          type: 'voucher',
          channelConfig: channel,
          voucher: {
            channelId,
            maxClaimableAmount: max.toString(),
            signature: await signVoucher(payer, channelId, max, chainId as number),
          },
        },
      }),
    )
  }
  return headers
}

export async function paidGet(url: string, header: { name: string; value: string }) {
  const response = await fetch(url, { headers: { [header.name]: header.value } })
  await response.arrayBuffer()
  if (response.status !== 200)
    throw new Error(`${url} answered ${response.status} to a paid request`)
  return response
}
