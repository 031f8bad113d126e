import { z } from 'zod'
import { address, signatureBytes, uint256 } from '../wire.ts'

/**
 * The `payload` of a batch-settlement payment, told apart by `type`, parsed strictly: what a
 * client sends (`deposit`, `voucher`, `refund`) and what a server asks a facilitator to settle
 * (`claim`, `settle`, a `refund` enriched with the refund nonce and claims).
 */

const bytes32 = z.string().regex(/^0x[0-9a-fA-F]{64}$/, 'must be 32 bytes of hex')
/** uint128: amounts in the escrow are 128-bit. */
const uint128 = uint256.refine(
  (value) => !/^[0-9]+$/.test(value) || BigInt(value) < 2n ** 128n,
  'exceeds uint128',
)

export const channelConfigSchema = z.object({
  payer: address,
  payerAuthorizer: address,
  receiver: address,
  receiverAuthorizer: address,
  token: address,
  withdrawDelay: z
    .number()
    .int()
    .min(0)
    .max(2 ** 40 - 1),
  salt: bytes32,
})

export const voucherFieldsSchema = z.object({
  channelId: bytes32,
  maxClaimableAmount: uint128,
  signature: signatureBytes,
})

const erc3009DepositAuthorization = z.object({
  validAfter: uint256,
  validBefore: uint256,
  salt: bytes32,
  signature: signatureBytes,
})

const permit2DepositAuthorization = z.object({
  from: address,
  permitted: z.object({ token: address, amount: uint256 }),
  spender: address,
  nonce: uint256,
  deadline: uint256,
  witness: z.object({ channelId: bytes32 }),
  signature: signatureBytes,
})

export const depositPayloadSchema = z.object({
  type: z.literal('deposit'),
  channelConfig: channelConfigSchema,
  voucher: voucherFieldsSchema,
  deposit: z.object({
    amount: uint128,
    authorization: z.union([
      z.object({ erc3009Authorization: erc3009DepositAuthorization }),
      z.object({ permit2Authorization: permit2DepositAuthorization }),
    ]),
  }),
})

export const voucherPayloadSchema = z.object({
  type: z.literal('voucher'),
  channelConfig: channelConfigSchema,
  voucher: voucherFieldsSchema,
})

export const refundPayloadSchema = z.object({
  type: z.literal('refund'),
  channelConfig: channelConfigSchema,
  voucher: voucherFieldsSchema,
  amount: uint128.optional(),
})

export const voucherClaimSchema = z.object({
  voucher: z.object({ channel: channelConfigSchema, maxClaimableAmount: uint128 }),
  signature: signatureBytes,
  totalClaimed: uint128,
})

export const claimPayloadSchema = z.object({
  type: z.literal('claim'),
  claims: z.array(voucherClaimSchema).min(1).max(1_000),
  claimAuthorizerSignature: signatureBytes.optional(),
})

export const settlePayloadSchema = z.object({
  type: z.literal('settle'),
  receiver: address,
  token: address,
})

export const enrichedRefundPayloadSchema = refundPayloadSchema.extend({
  amount: uint128,
  refundNonce: uint256,
  claims: z.array(voucherClaimSchema).max(1_000),
  refundAuthorizerSignature: signatureBytes.optional(),
  claimAuthorizerSignature: signatureBytes.optional(),
})

/** What a client sends to pay. */
export const batchClientPayloadSchema = z.discriminatedUnion('type', [
  depositPayloadSchema,
  voucherPayloadSchema,
  refundPayloadSchema,
])

export type ChannelConfig = z.output<typeof channelConfigSchema>
export type VoucherFields = z.output<typeof voucherFieldsSchema>
export type DepositPayload = z.output<typeof depositPayloadSchema>
export type VoucherPayload = z.output<typeof voucherPayloadSchema>
export type RefundPayload = z.output<typeof refundPayloadSchema>
export type VoucherClaim = z.output<typeof voucherClaimSchema>
export type ClaimPayload = z.output<typeof claimPayloadSchema>
export type SettlePayload = z.output<typeof settlePayloadSchema>
export type EnrichedRefundPayload = z.output<typeof enrichedRefundPayloadSchema>
export type BatchClientPayload = z.output<typeof batchClientPayloadSchema>

const parsedPayloads = new WeakMap<object, ReturnType<typeof batchClientPayloadSchema.safeParse>>()

/**
 * The schema's verdict on a decoded payload, worked out once per object: a seller's gate asks
 * for the payment's key, verifies and settles it, each with the same decoded payload.
 */
export function parseBatchClientPayload(
  raw: unknown,
): ReturnType<typeof batchClientPayloadSchema.safeParse> {
  if (typeof raw !== 'object' || raw === null) return batchClientPayloadSchema.safeParse(raw)
  let parsed = parsedPayloads.get(raw)
  if (!parsed) {
    parsed = batchClientPayloadSchema.safeParse(raw)
    parsedPayloads.set(raw, parsed)
  }
  return parsed
}

/** What the escrow knows of a channel; `withdrawRequestedAt` is 0 when none is pending. */
export type ChannelState = {
  balance: bigint
  totalClaimed: bigint
  withdrawRequestedAt: number
  refundNonce: bigint
}

/** The channel state as the wire carries it, in `extra.channelState` and verify's `extra`. */
export function channelStateExtra(channelId: string, state: ChannelState) {
  return {
    channelId,
    balance: state.balance.toString(),
    totalClaimed: state.totalClaimed.toString(),
    withdrawRequestedAt: state.withdrawRequestedAt,
    refundNonce: state.refundNonce.toString(),
  }
}
