import {
  type Address,
  bytesToHex,
  encodeAbiParameters,
  getAddress,
  type Hex,
  hashDomain,
  hashTypedData,
  hexToBytes,
  keccak256,
  stringToHex,
  zeroAddress,
} from 'viem'
import { eip712DomainTypes } from '../abi.ts'
import { typedDataDigestBytes, writeUintWord } from '../eip712Bytes.ts'
import type { EvmSigner } from '../signer.ts'
import {
  batchSettlementAddresses,
  batchSettlementDomainFields,
  channelConfigTypes,
  claimBatchTypes,
  refundTypes,
  voucherTypes,
} from './constants.ts'
import type { ChannelConfig, VoucherClaim } from './payload.ts'
import { recoverSigner } from './recoverSigner.ts'

/** The escrow's EIP-712 domain on one chain, at the canonical address unless told otherwise. */
export function batchSettlementDomain(
  chainId: number,
  escrow: Address = batchSettlementAddresses.escrow,
) {
  return { ...batchSettlementDomainFields, chainId, verifyingContract: escrow } as const
}

/** The config as the contract takes it: checksummed addresses. */
export function contractChannelConfig(config: ChannelConfig) {
  return {
    payer: getAddress(config.payer),
    payerAuthorizer: getAddress(config.payerAuthorizer),
    receiver: getAddress(config.receiver),
    receiverAuthorizer: getAddress(config.receiverAuthorizer),
    token: getAddress(config.token),
    withdrawDelay: config.withdrawDelay,
    salt: config.salt as Hex,
  }
}

const voucherTypehash = keccak256(
  stringToHex('Voucher(bytes32 channelId,uint128 maxClaimableAmount)'),
)
const voucherTypehashBytes = hexToBytes(voucherTypehash)
const domainSeparators = new Map<string, Hex>()
const domainSeparatorBytes = new Map<string, Uint8Array>()

function domainSeparatorBytesOf(chainId: number, escrow?: Address): Uint8Array {
  const key = `${chainId}|${escrow ?? ''}`
  let bytes = domainSeparatorBytes.get(key)
  if (!bytes) {
    bytes = hexToBytes(domainSeparatorOf(chainId, escrow))
    domainSeparatorBytes.set(key, bytes)
  }
  return bytes
}

/** The escrow's EIP-712 domain separator, computed once per chain and address. */
function domainSeparatorOf(chainId: number, escrow?: Address): Hex {
  const key = `${chainId}|${escrow ?? ''}`
  let separator = domainSeparators.get(key)
  if (!separator) {
    const domain = batchSettlementDomain(chainId, escrow)
    separator = hashDomain({
      domain: { ...domain, chainId: BigInt(domain.chainId) },
      types: { EIP712Domain: eip712DomainTypes },
    })
    domainSeparators.set(key, separator)
  }
  return separator
}

/** Channel ids recently computed: every voucher of a channel names the same config. */
const channelIds = new Map<string, Hex>()
const channelIdsMax = 10_000

/** A channel's id: the EIP-712 hash of its config, as the escrow's `getChannelId` computes it. */
export function channelIdOf(config: ChannelConfig, chainId: number, escrow?: Address): Hex {
  const key =
    `${chainId}|${escrow ?? ''}|${config.payer}|${config.payerAuthorizer}|${config.receiver}|${config.receiverAuthorizer}|${config.token}|${config.withdrawDelay}|${config.salt}`.toLowerCase()
  const known = channelIds.get(key)
  if (known) return known
  const id = hashTypedData({
    domain: batchSettlementDomain(chainId, escrow),
    types: channelConfigTypes,
    primaryType: 'ChannelConfig',
    message: contractChannelConfig(config),
  })
  if (channelIds.size >= channelIdsMax) channelIds.clear()
  channelIds.set(key, id)
  return id
}

/** The voucher's EIP-712 digest: two keccak hashes, the domain separator cached. */
export function voucherDigest(
  channelId: Hex,
  maxClaimableAmount: bigint,
  chainId: number,
  escrow?: Address,
): Hex {
  return bytesToHex(voucherDigestBytes(channelId, maxClaimableAmount, chainId, escrow))
}

/**
 * `voucherDigest` as bytes, packed by hand: the struct is three 32-byte words, so ABI encoding
 * is a copy (this runs once per voucher-paid request).
 */
export function voucherDigestBytes(
  channelId: Hex,
  maxClaimableAmount: bigint,
  chainId: number,
  escrow?: Address,
): Uint8Array {
  if (maxClaimableAmount < 0n || maxClaimableAmount >= 2n ** 128n)
    throw new RangeError(`maxClaimableAmount ${maxClaimableAmount} is not a uint128`)
  const struct = new Uint8Array(96)
  struct.set(voucherTypehashBytes, 0)
  struct.set(hexToBytes(channelId, { size: 32 }), 32)
  writeUintWord(struct, 64, maxClaimableAmount, 128)
  return typedDataDigestBytes(domainSeparatorBytesOf(chainId, escrow), struct)
}

/** A voucher for `maxClaimableAmount` in total, signed by the payer's authorizer key. */
export function signVoucher(
  signer: Pick<EvmSigner, 'signTypedData'>,
  channelId: Hex,
  maxClaimableAmount: bigint,
  chainId: number,
  escrow?: Address,
): Promise<Hex> {
  return signer.signTypedData({
    domain: batchSettlementDomain(chainId, escrow),
    types: voucherTypes,
    primaryType: 'Voucher',
    message: { channelId, maxClaimableAmount },
  })
}

/**
 * Whether a voucher is signed by the channel's payer authorizer, by recovery alone (no RPC): the
 * escrow checks a named authorizer with plain ECDSA too. Undefined when the channel has no
 * authorizer, so the payer itself signs and only the chain can judge a wallet's signature.
 */
export async function voucherSignedByAuthorizer(
  config: ChannelConfig,
  channelId: Hex,
  maxClaimableAmount: bigint,
  signature: Hex,
  chainId: number,
  escrow?: Address,
): Promise<boolean | undefined> {
  const authorizer = config.payerAuthorizer.toLowerCase()
  if (authorizer === zeroAddress) return undefined
  const recovered = await recoverSigner(
    voucherDigestBytes(channelId, maxClaimableAmount, chainId, escrow),
    signature,
  )
  return recovered === authorizer
}

/** The ERC-3009 nonce of a deposit: binds the authorization to one channel and salt. */
export function depositNonceOf(channelId: Hex, salt: Hex): Hex {
  return keccak256(
    encodeAbiParameters([{ type: 'bytes32' }, { type: 'uint256' }], [channelId, BigInt(salt)]),
  )
}

/** The typed data a receiver authorizer signs so anyone may submit a batch of claims. */
export function claimBatchTypedData(
  claims: readonly VoucherClaim[],
  chainId: number,
  escrow?: Address,
) {
  return {
    domain: batchSettlementDomain(chainId, escrow),
    types: claimBatchTypes,
    primaryType: 'ClaimBatch' as const,
    message: {
      claims: claims.map((claim) => ({
        channelId: channelIdOf(claim.voucher.channel, chainId, escrow),
        maxClaimableAmount: BigInt(claim.voucher.maxClaimableAmount),
        totalClaimed: BigInt(claim.totalClaimed),
      })),
    },
  }
}

/** The typed data a receiver authorizer signs to return `amount` of a channel to its payer. */
export function refundTypedData(
  channelId: Hex,
  nonce: bigint,
  amount: bigint,
  chainId: number,
  escrow?: Address,
) {
  return {
    domain: batchSettlementDomain(chainId, escrow),
    types: refundTypes,
    primaryType: 'Refund' as const,
    message: { channelId, nonce, amount },
  }
}

/** A claim row as the contract takes it. */
export function contractVoucherClaim(claim: VoucherClaim) {
  return {
    voucher: {
      channel: contractChannelConfig(claim.voucher.channel),
      maxClaimableAmount: BigInt(claim.voucher.maxClaimableAmount),
    },
    signature: claim.signature as Hex,
    totalClaimed: BigInt(claim.totalClaimed),
  }
}
