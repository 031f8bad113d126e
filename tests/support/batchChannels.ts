/**
 * Signed pieces of batch-settlement channels for tests, made with viem's typed-data signing:
 * deposit authorizations for either collector (with the collector data the escrow takes) and
 * voucher claim rows.
 */
import {
  batchSettlementAddresses,
  type ChannelConfig,
  channelIdOf,
  depositNonceOf,
  depositPermit2Types,
  permit2Addresses,
  receiveWithAuthorizationTypes,
  signVoucher,
  type VoucherClaim,
} from '@tollgate/evm'
import { type Address, encodeAbiParameters, type Hex, type LocalAccount } from 'viem'

export interface TokenDomain {
  address: Address
  name: string
  version: string
}

let counter = BigInt(Date.now()) * 1000n
/** A fresh 32-byte value (salts, nonces): unique within the process and across runs. */
export function freshBytes32(): Hex {
  counter += 1n
  return `0x${counter.toString(16).padStart(64, '0')}`
}

export function channelConfigFor(
  payer: Address,
  receiver: Address,
  receiverAuthorizer: Address,
  token: Address,
  overrides: Partial<ChannelConfig> = {},
): ChannelConfig {
  return {
    payer,
    payerAuthorizer: payer,
    receiver,
    receiverAuthorizer,
    token,
    withdrawDelay: 900,
    salt: freshBytes32(),
    ...overrides,
  }
}

/** An ERC-3009 deposit made out to the canonical collector, bound to the channel by its nonce. */
export async function erc3009Deposit(
  payer: LocalAccount,
  token: TokenDomain,
  config: ChannelConfig,
  amount: bigint,
  chainId: number,
  validBefore = BigInt(Math.floor(Date.now() / 1000) + 3600),
) {
  const salt = freshBytes32()
  const signature = await payer.signTypedData({
    domain: { name: token.name, version: token.version, chainId, verifyingContract: token.address },
    types: receiveWithAuthorizationTypes,
    primaryType: 'ReceiveWithAuthorization',
    message: {
      from: payer.address,
      to: batchSettlementAddresses.erc3009Collector,
      value: amount,
      validAfter: 0n,
      validBefore,
      nonce: depositNonceOf(channelIdOf(config, chainId), salt),
    },
  })
  const collectorData = encodeAbiParameters(
    [{ type: 'uint256' }, { type: 'uint256' }, { type: 'uint256' }, { type: 'bytes' }],
    [0n, validBefore, BigInt(salt), signature],
  )
  return {
    authorization: {
      erc3009Authorization: {
        validAfter: '0',
        validBefore: validBefore.toString(),
        salt,
        signature,
      },
    },
    collector: batchSettlementAddresses.erc3009Collector,
    collectorData,
  }
}

/** A Permit2 deposit: spender the canonical Permit2 collector, witness the channel. */
export async function permit2Deposit(
  payer: LocalAccount,
  token: Address,
  config: ChannelConfig,
  amount: bigint,
  chainId: number,
) {
  const channelId = channelIdOf(config, chainId)
  const nonce = BigInt(freshBytes32())
  const deadline = BigInt(Math.floor(Date.now() / 1000) + 3600)
  const signature = await payer.signTypedData({
    domain: { name: 'Permit2', chainId, verifyingContract: permit2Addresses.permit2 },
    types: depositPermit2Types,
    primaryType: 'PermitWitnessTransferFrom',
    message: {
      permitted: { token, amount },
      spender: batchSettlementAddresses.permit2Collector,
      nonce,
      deadline,
      witness: { channelId },
    },
  })
  const collectorData = encodeAbiParameters(
    [{ type: 'uint256' }, { type: 'uint256' }, { type: 'bytes' }, { type: 'bytes' }],
    [nonce, deadline, signature, '0x'],
  )
  return {
    authorization: {
      permit2Authorization: {
        from: payer.address,
        permitted: { token, amount: amount.toString() },
        spender: batchSettlementAddresses.permit2Collector,
        nonce: nonce.toString(),
        deadline: deadline.toString(),
        witness: { channelId },
        signature,
      },
    },
    collector: batchSettlementAddresses.permit2Collector,
    collectorData,
  }
}

/** A claim row: the payer's voucher for `max` in total, claimed up to `total`. */
export async function claimRow(
  payer: LocalAccount,
  config: ChannelConfig,
  max: bigint,
  total: bigint,
  chainId: number,
): Promise<VoucherClaim> {
  return {
    voucher: { channel: config, maxClaimableAmount: max.toString() },
    signature: await signVoucher(payer, channelIdOf(config, chainId), max, chainId),
    totalClaimed: total.toString(),
  }
}
