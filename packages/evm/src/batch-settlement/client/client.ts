import {
  evmChainId,
  type PaymentRequirements,
  reasonOf,
  type SchemeClient,
  type SignedPaymentOutcome,
  TollgateError,
} from '@tollgate/core'
import { getAddress, type Hex, type PublicClient, recoverAddress, zeroHash } from 'viem'
import { type ExactEvmClientOptions, exactEvmClient } from '../../exact/client.ts'
import { permit2Addresses } from '../../exact/permit2/constants.ts'
import {
  batchSettlementAbi,
  batchSettlementAddresses,
  batchSettlementScheme,
  depositPermit2Types,
  minWithdrawDelaySeconds,
  receiveWithAuthorizationTypes,
} from '../constants.ts'
import { batchClientPayloadSchema, type ChannelConfig } from '../payload.ts'
import { channelIdOf, depositNonceOf, signVoucher, voucherDigest } from '../typedData.ts'
import {
  type ClientChannel,
  type ClientChannelStore,
  MemoryClientChannelStore,
} from './channelMemory.ts'

export interface BatchSettlementEvmClientOptions extends ExactEvmClientOptions {
  /** Channels this buyer has open. @default in memory (a restart reads them back from the chain when an RPC is given) */
  store?: ClientChannelStore
  /** A first deposit covers this many requests (at least the seller's `minDeposit` hint). @default 5 */
  depositMultiplier?: number
  /** The most one deposit may lock, in the asset's atomic units: a larger one is refused unsigned. */
  maxDeposit?: bigint
  /** Tells this buyer's channels to one seller apart (a new salt is a new channel). @default zero */
  salt?: Hex
  /** Reads channel state from the escrow when the store has none (per network, like `rpcUrls`). */
  clients?: Readonly<Record<string, PublicClient>>
}

/**
 * The buyer's side of `batch-settlement` on EVM: one deposit into an escrow channel (an ERC-3009
 * authorization to the collector, or a Permit2 permit), then one voucher per request for the
 * cumulative amount charged plus the price. The channel's state moves only from the seller's
 * receipts (a deposit counts once mined) or, after a corrective 402, from the seller's copy of
 * the buyer's own last voucher, whose signature is checked first.
 */
export function batchSettlementEvmClient(options: BatchSettlementEvmClientOptions): SchemeClient {
  const exact = exactEvmClient(options)
  const store = options.store ?? new MemoryClientChannelStore()
  const multiplier = BigInt(Math.max(1, options.depositMultiplier ?? 5))
  const now = options.now ?? (() => Math.floor(Date.now() / 1000))
  const signer = options.signer

  const configOf = (requirements: PaymentRequirements): ChannelConfig => {
    const authorizer = requirements.extra?.receiverAuthorizer
    if (
      typeof authorizer !== 'string' ||
      !/^0x[0-9a-fA-F]{40}$/.test(authorizer) ||
      BigInt(authorizer) === 0n
    )
      throw new TollgateError(
        'REQUIREMENTS_MALFORMED',
        'batch-settlement requirements name no receiver authorizer (extra.receiverAuthorizer)',
      )
    const delay = requirements.extra?.withdrawDelay
    return {
      payer: getAddress(signer.address),
      payerAuthorizer: getAddress(signer.address),
      receiver: getAddress(requirements.payTo),
      receiverAuthorizer: getAddress(authorizer),
      token: getAddress(requirements.asset),
      withdrawDelay: typeof delay === 'number' ? delay : minWithdrawDelaySeconds,
      salt: options.salt ?? zeroHash,
    }
  }
  const chainOf = (network: string) => {
    const chainId = evmChainId(network)
    if (chainId === undefined)
      throw new TollgateError('NETWORK_UNSUPPORTED', `${network} is not an EVM network`)
    return chainId
  }
  /** The channel as remembered, else as the escrow holds it (charged = claimed: the least the seller can prove). */
  const channelOf = async (network: string, channelId: Hex): Promise<ClientChannel | undefined> => {
    const known = await store.get(channelId)
    if (known) return known
    const client = options.clients?.[network]
    if (!client) return undefined
    const [balance, totalClaimed] = await client.readContract({
      address: batchSettlementAddresses.escrow,
      abi: batchSettlementAbi,
      functionName: 'channels',
      args: [channelId],
    })
    return balance === 0n
      ? undefined
      : { balance: balance.toString(), chargedCumulativeAmount: totalClaimed.toString() }
  }

  /** Whether the next payment is a voucher or needs a deposit first, and of how much. */
  const planOf = async (requirements: PaymentRequirements) => {
    const chainId = chainOf(requirements.network)
    const config = configOf(requirements)
    const channelId = channelIdOf(config, chainId)
    const channel = await channelOf(requirements.network, channelId)
    const price = BigInt(requirements.amount)
    const max = BigInt(channel?.chargedCumulativeAmount ?? '0') + price
    const balance = BigInt(channel?.balance ?? '0')
    const base = { chainId, config, channelId, max }
    if (max <= balance) return { kind: 'voucher' as const, ...base }
    const hint = /^[0-9]+$/.test(String(requirements.extra?.minDeposit ?? ''))
      ? BigInt(String(requirements.extra?.minDeposit))
      : 0n
    const needed = max - balance
    let amount = [price * multiplier, hint, needed].reduce((a, b) => (a > b ? a : b))
    if (options.maxDeposit !== undefined && amount > options.maxDeposit) {
      if (needed > options.maxDeposit)
        throw new TollgateError(
          'POLICY_REFUSED',
          `a deposit of at least ${needed} is needed and the most allowed is ${options.maxDeposit}`,
        )
      amount = options.maxDeposit
    }
    return { kind: 'deposit' as const, amount, ...base }
  }

  return {
    ...exact,
    scheme: batchSettlementScheme,
    async amountDue(requirements) {
      const plan = await planOf(requirements)
      return plan.kind === 'deposit' ? plan.amount.toString() : '0'
    },
    async createPayload(requirements) {
      const plan = await planOf(requirements)
      const { chainId, config, channelId, max } = plan
      const voucher = {
        channelId,
        maxClaimableAmount: max.toString(),
        signature: await signVoucher(signer, channelId, max, chainId),
      }
      if (plan.kind === 'voucher') return { type: 'voucher', channelConfig: config, voucher }
      const authorization =
        requirements.extra?.assetTransferMethod === 'permit2'
          ? await permit2Deposit(config, channelId, plan.amount, chainId, requirements, now())
          : await erc3009Deposit(config, channelId, plan.amount, chainId, requirements, now())
      return {
        type: 'deposit',
        channelConfig: config,
        voucher,
        deposit: { amount: plan.amount.toString(), authorization },
      }
    },
    async paymentEnded(outcome: SignedPaymentOutcome) {
      if (outcome.state !== 'settled' || !outcome.receipt?.success) return
      const parsed = batchClientPayloadSchema.safeParse(outcome.payment.payload)
      if (!parsed.success) return
      const payload = parsed.data
      const channelId = payload.voucher.channelId
      const previous = await store.get(channelId)
      const extra = outcome.receipt.extra ?? {}
      const state = extra.channelState as Record<string, unknown> | undefined
      if (payload.type === 'refund') {
        const balance = typeof state?.balance === 'string' ? state.balance : '0'
        await store.set(
          channelId,
          BigInt(balance) === 0n || !previous ? undefined : { ...previous, balance },
        )
        return
      }
      const chargedAmount =
        typeof extra.chargedAmount === 'string' && /^[0-9]+$/.test(extra.chargedAmount)
          ? BigInt(extra.chargedAmount)
          : 0n
      if (chargedAmount > BigInt(outcome.payment.accepted.amount)) return
      const charged = BigInt(previous?.chargedCumulativeAmount ?? '0') + chargedAmount
      // A receipt whose cumulative total disagrees is not adopted: the next 402 corrects it.
      if (
        typeof state?.chargedCumulativeAmount === 'string' &&
        BigInt(state.chargedCumulativeAmount) !== charged
      )
        return
      const deposited = payload.type === 'deposit' ? BigInt(payload.deposit.amount) : 0n
      await store.set(channelId, {
        balance: (BigInt(previous?.balance ?? '0') + deposited).toString(),
        chargedCumulativeAmount: charged.toString(),
      })
    },
    async recover(required) {
      const offer = required.accepts.find((accept) => accept.scheme === batchSettlementScheme)
      if (!offer || required.error !== reasonOf('BATCH_CUMULATIVE_AMOUNT_MISMATCH')) return false
      const state = offer.extra?.channelState as Record<string, unknown> | undefined
      const voucher = offer.extra?.voucherState as Record<string, unknown> | undefined
      if (
        typeof state?.chargedCumulativeAmount !== 'string' ||
        typeof voucher?.signedMaxClaimable !== 'string' ||
        typeof voucher.signature !== 'string'
      )
        return false
      const chainId = chainOf(offer.network)
      const channelId = channelIdOf(configOf(offer), chainId)
      const charged = BigInt(state.chargedCumulativeAmount)
      const signed = BigInt(voucher.signedMaxClaimable)
      // Only a charge this buyer signed for is adopted: the seller holds its voucher for at least that.
      if (charged > signed) return false
      const recovered = await recoverAddress({
        hash: voucherDigest(channelId, signed, chainId),
        signature: voucher.signature as Hex,
      }).catch(() => undefined)
      if (!recovered || getAddress(recovered) !== getAddress(signer.address)) return false
      const balance =
        typeof state.balance === 'string' && /^[0-9]+$/.test(state.balance) ? state.balance : '0'
      await store.set(channelId, { balance, chargedCumulativeAmount: charged.toString() })
      return true
    },
  }

  async function erc3009Deposit(
    config: ChannelConfig,
    channelId: Hex,
    amount: bigint,
    chainId: number,
    requirements: PaymentRequirements,
    nowSeconds: number,
  ) {
    const { name, version } = (requirements.extra ?? {}) as { name?: string; version?: string }
    if (!name || !version)
      throw new TollgateError(
        'REQUIREMENTS_MALFORMED',
        'the requirements name no EIP-712 domain for the token (extra.name, extra.version)',
      )
    const salt = randomSalt()
    const validBefore = BigInt(nowSeconds + Math.max(requirements.maxTimeoutSeconds, 60))
    const signature = await signer.signTypedData({
      domain: { name, version, chainId, verifyingContract: config.token as Hex },
      types: receiveWithAuthorizationTypes,
      primaryType: 'ReceiveWithAuthorization',
      message: {
        from: config.payer as Hex,
        to: batchSettlementAddresses.erc3009Collector,
        value: amount,
        validAfter: 0n,
        validBefore,
        nonce: depositNonceOf(channelId, salt),
      },
    })
    return {
      erc3009Authorization: {
        validAfter: '0',
        validBefore: validBefore.toString(),
        salt,
        signature,
      },
    }
  }

  async function permit2Deposit(
    config: ChannelConfig,
    channelId: Hex,
    amount: bigint,
    chainId: number,
    requirements: PaymentRequirements,
    nowSeconds: number,
  ) {
    const nonce = BigInt(randomSalt())
    const deadline = BigInt(nowSeconds + Math.max(requirements.maxTimeoutSeconds, 60))
    const signature = await signer.signTypedData({
      domain: { name: 'Permit2', chainId, verifyingContract: permit2Addresses.permit2 },
      types: depositPermit2Types,
      primaryType: 'PermitWitnessTransferFrom',
      message: {
        permitted: { token: config.token as Hex, amount },
        spender: batchSettlementAddresses.permit2Collector,
        nonce,
        deadline,
        witness: { channelId },
      },
    })
    return {
      permit2Authorization: {
        from: config.payer,
        permitted: { token: config.token, amount: amount.toString() },
        spender: batchSettlementAddresses.permit2Collector,
        nonce: nonce.toString(),
        deadline: deadline.toString(),
        witness: { channelId },
        signature,
      },
    }
  }
}

function randomSalt(): Hex {
  const bytes = crypto.getRandomValues(new Uint8Array(32))
  return `0x${[...bytes].map((byte) => byte.toString(16).padStart(2, '0')).join('')}`
}
