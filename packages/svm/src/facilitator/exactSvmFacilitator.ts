import { type Address, address, isAddress, type TransactionPartialSigner } from '@solana/kit'
import {
  type PaymentPayload,
  type PaymentRequirements,
  type ReadinessCheck,
  reject,
  type SchemeFacilitator,
  type SettleResponse,
  settleFailure,
  TollgateError,
  type VerifyResponse,
} from '@tollgate/core'
import { isSolanaNetwork } from '../assets.ts'
import { rpcOf, type SvmFacilitatorRpc, solanaRpc } from '../rpc.ts'
import { finalityOption } from './finality.ts'
import { type ExactSvmFacilitatorOptions, exactSvmDefaults } from './options.ts'
import { InMemoryMessageSettlementRecords } from './records.ts'
import { type SettleContext, settleExactSvm } from './settle.ts'
import { type SvmVerifyContext, simulateExactSvm, verifyExactSvmStatic } from './verify.ts'

/**
 * The facilitator's side of `exact` on Solana: verification is an allow-list checked in the
 * spec's order before one simulation; settlement co-signs as fee payer once per payment
 * (message hash), answers success once the transaction is in a block and confirmed at the
 * network's finality, and reports a failure only when the transaction failed on chain or its
 * blockhash expired without it landing.
 */
export function exactSvmFacilitator(options: ExactSvmFacilitatorOptions): SchemeFacilitator {
  checkOptions(options)
  const rpc = rpcOf<SvmFacilitatorRpc>(options, solanaRpc)
  const feePayers = new Map(options.feePayers.map((signer) => [String(signer.address), signer]))
  const verifyContext: SvmVerifyContext = {
    feePayers: new Set(feePayers.keys()),
    assets: options.assets,
    caps: {
      unitPriceMax: BigInt(options.maxComputeUnitPrice ?? exactSvmDefaults.maxComputeUnitPrice),
      unitLimitMax: options.maxComputeUnitLimit ?? exactSvmDefaults.maxComputeUnitLimit,
    },
    signaturesMax: options.maxSignatures ?? exactSvmDefaults.maxSignatures,
  }
  const settleContext = settleContextOf(options, rpc, verifyContext, feePayers)
  const networks = new Set(options.networks)
  const addresses = [...feePayers.keys()]
  let turn = 0

  async function verifyOnce(
    payload: PaymentPayload,
    requirements: PaymentRequirements,
  ): Promise<VerifyResponse> {
    const verdict = await verifyExactSvmStatic(verifyContext, payload, requirements)
    if (!verdict.verified) return verdict.response
    const simulated = await simulateExactSvm(rpc, verdict.verified.decoded).catch(
      (cause: unknown) => {
        throw new TollgateError('VERIFY_UNEXPECTED', 'the simulation could not run', { cause })
      },
    )
    if (simulated) {
      return reject(simulated.code, { message: simulated.message, payer: verdict.verified.payer })
    }
    return verdict.response
  }

  return {
    scheme: 'exact',
    caipFamily: 'solana:*',
    networks: [...networks],
    extra(network) {
      if (!networks.has(network)) return undefined
      // Offered in turn, so the load spreads over the fee payers.
      const feePayer = addresses[turn % addresses.length]
      turn += 1
      return { feePayer }
    },
    signers: (network) => (networks.has(network) ? [...addresses] : []),
    async verify(payload, requirements) {
      if (!networks.has(requirements.network)) {
        return reject('NETWORK_UNSUPPORTED', {
          message: `${requirements.network} is not served here`,
        })
      }
      const response = await verifyOnce(payload, requirements)
      // Verification moves no money: its record may trail the answer, or be lost.
      options.verifications
        ?.recordVerifications([
          {
            network: requirements.network,
            scheme: requirements.scheme,
            payer: response.payer,
            payTo: requirements.payTo,
            amount: requirements.amount,
            reason: response.invalidReason,
          },
        ])
        .catch(() => undefined)
      return response
    },
    async settle(payload, requirements) {
      if (!networks.has(requirements.network)) {
        return settleFailure('NETWORK_UNSUPPORTED', { network: requirements.network })
      }
      return settleExactSvm(settleContext, payload, requirements)
    },
    readiness: () =>
      checkReadiness(
        rpc,
        [...networks],
        addresses.map((feePayer) => address(feePayer)),
        options.minimumFeePayerLamports ?? exactSvmDefaults.minimumFeePayerLamports,
      ),
  }
}

/** What settle needs, each timing from the options or its documented default. */
function settleContextOf(
  options: ExactSvmFacilitatorOptions,
  rpc: SvmFacilitatorRpc,
  verify: SvmVerifyContext,
  feePayers: ReadonlyMap<string, TransactionPartialSigner>,
): SettleContext {
  const settle = options.settle ?? {}
  return {
    rpc,
    verify,
    feePayers,
    records: settle.records ?? new InMemoryMessageSettlementRecords({ now: options.now }),
    owner: settle.instanceId ?? `tollgate-svm-${crypto.randomUUID()}`,
    leaseMs: settle.leaseMs ?? exactSvmDefaults.leaseMs,
    finality: finalityOption(options.finality),
    timings: {
      confirmTimeoutMs: settle.confirmTimeoutMs ?? exactSvmDefaults.confirmTimeoutMs,
      pollIntervalMs: settle.pollIntervalMs ?? exactSvmDefaults.pollIntervalMs,
      rebroadcastIntervalMs: settle.rebroadcastIntervalMs ?? exactSvmDefaults.rebroadcastIntervalMs,
      now: options.now ?? Date.now,
      sleep: options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
    },
    running: new Map<string, Promise<SettleResponse>>(),
  }
}

function checkOptions(options: ExactSvmFacilitatorOptions): void {
  const problems: string[] = []
  if (options.feePayers.length === 0) problems.push('give at least one fee payer')
  if (options.networks.length === 0 || !options.networks.every(isSolanaNetwork)) {
    problems.push('networks must be Solana CAIP-2 ids')
  }
  if (options.assets.some((asset) => !isAddress(asset.address))) {
    problems.push('every asset must be a mint address')
  }
  const limit = options.maxComputeUnitLimit ?? exactSvmDefaults.maxComputeUnitLimit
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > 1_400_000) {
    problems.push('maxComputeUnitLimit must be an integer from 1 to 1,400,000')
  }
  const price = BigInt(options.maxComputeUnitPrice ?? exactSvmDefaults.maxComputeUnitPrice)
  if (price < 0n) problems.push('maxComputeUnitPrice must not be negative')
  const signatures = options.maxSignatures ?? exactSvmDefaults.maxSignatures
  if (!Number.isSafeInteger(signatures) || signatures < 2) {
    problems.push('maxSignatures must be an integer of at least 2 (fee payer and buyer)')
  }
  if (problems.length > 0) {
    throw new TollgateError('REQUIREMENTS_MALFORMED', `exactSvmFacilitator: ${problems.join('; ')}`)
  }
}

async function checkReadiness(
  rpc: SvmFacilitatorRpc,
  networks: readonly string[],
  feePayers: readonly Address[],
  minimumLamports: bigint,
): Promise<ReadinessCheck[]> {
  try {
    const balances = await Promise.all(
      feePayers.map(async (feePayer) => {
        const { value } = await rpc.getBalance(feePayer, { commitment: 'confirmed' }).send()
        return [feePayer, value] as const
      }),
    )
    const low = balances.filter(([, lamports]) => lamports < minimumLamports)
    const details = Object.fromEntries(balances.map(([key, lamports]) => [key, String(lamports)]))
    return networks.map((network) => ({
      network,
      ok: low.length === 0,
      ...(low.length > 0 ? { message: `fee payers below ${minimumLamports} lamports` } : {}),
      signerBalances: details,
      details,
    }))
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    return networks.map((network) => ({ network, ok: false, message }))
  }
}
