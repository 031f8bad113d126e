import {
  type Address,
  concatHex,
  encodeAbiParameters,
  getAddress,
  type Hex,
  hashDomain,
  hashTypedData,
  isAddressEqual,
  keccak256,
  stringToHex,
  zeroAddress,
} from 'viem'
import type { EvmSigner } from '../client.ts'
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
const domainSeparators = new Map<string, Hex>()

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

const eip712DomainTypes = [
  { name: 'name', type: 'string' },
  { name: 'version', type: 'string' },
  { name: 'chainId', type: 'uint256' },
  { name: 'verifyingContract', type: 'address' },
] as const

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
  const structHash = keccak256(
    encodeAbiParameters(
      [{ type: 'bytes32' }, { type: 'bytes32' }, { type: 'uint128' }],
      [voucherTypehash, channelId, maxClaimableAmount],
    ),
  )
  return keccak256(concatHex(['0x1901', domainSeparatorOf(chainId, escrow), structHash]))
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
  if (isAddressEqual(getAddress(config.payerAuthorizer), zeroAddress)) return undefined
  const recovered = await recoverSigner(
    voucherDigest(channelId, maxClaimableAmount, chainId, escrow),
    signature,
  )
  return recovered !== undefined && isAddressEqual(recovered, getAddress(config.payerAuthorizer))
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
