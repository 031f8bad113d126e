import type { PaymentPayload, PaymentRequirements, VerifyResponse } from '@tollgate/core'
import { reject } from '@tollgate/core'
import { type Address, getAddress, type Hex, isAddress, isErc6492Signature } from 'viem'
import { findAsset } from '../assets.ts'
import { type Authorization, exactEvmPayloadSchema } from '../exact/eip3009/payload.ts'
import { authorizationDigest } from '../exact/eip3009/typedData.ts'
import { isPermit2Payload } from '../exact/permit2/payload.ts'
import {
  checkPermit2WithoutRpc,
  permit2AsAuthorization,
  permit2PayerOf,
  verifyExactPermit2,
} from '../exact/permit2/verify.ts'
import { checkUptoWithoutRpc, uptoAsAuthorization, verifyUptoPermit2 } from '../upto/verify.ts'
import { findAuthorizationUse } from './authorizationLookup.ts'
import { diagnoseTransferFailure } from './diagnose.ts'
import {
  type Rejection,
  rejected,
  type VerifiedPayment,
  type VerifyOutcome,
  validBeforeBufferSeconds,
} from './outcome.ts'
import type { NetworkRuntime } from './runtime.ts'
import {
  type ClassifiedSignature,
  checkContractSignature,
  checkEcdsaSignature,
  classifySignature,
} from './signature.ts'
import { type SimulationResult, simulateTransfer, transferCalldata } from './simulate.ts'

export { type VerifiedPayment, type VerifyOutcome, validBeforeBufferSeconds }

/**
 * Verifies an exact payment; a Permit2 one goes to `verifyExactPermit2`. EIP-3009 in the reference order: scheme, EIP-712 domain, network,
 * recipient, time window, exact amount, signature (ECDSA or ERC-1271 by code, ERC-6492 fail
 * closed), asset, simulation with diagnosis. Checks that need no RPC run first; the RPC reads go
 * out together.
 */
export async function verifyExactEvm(
  runtime: NetworkRuntime,
  payload: PaymentPayload,
  requirements: PaymentRequirements,
  options: {
    nowSeconds: number
    simulate: boolean
    /**
     * The same payment, fully verified moments ago: only the checks without RPC run again. It is
     * ignored unless it verified this very authorization (the signature covers every field).
     */
    verifiedBefore?: VerifiedPayment | undefined
    /** For `upto`: `requirements.amount` is the charge to settle, not the maximum. */
    settling?: boolean | undefined
  },
): Promise<VerifyOutcome> {
  if (requirements.scheme === 'upto') {
    return verifyUptoPermit2(runtime, payload, requirements, {
      nowSeconds: options.nowSeconds,
      simulate: options.simulate,
      settling: options.settling ?? false,
    })
  }
  if (isPermit2Payload(payload.payload)) {
    return verifyExactPermit2(runtime, payload, requirements, options)
  }
  const local = checkWithoutRpc(runtime, payload, requirements, options.nowSeconds)
  if ('code' in local) return rejected(local, payerOf(payload))
  if (options.verifiedBefore && sameAuthorization(options.verifiedBefore.authorization, local)) {
    return {
      response: { isValid: true, payer: options.verifiedBefore.payer },
      verified: options.verifiedBefore,
    }
  }
  const { authorization, signature, asset, domain } = local
  const payer = getAddress(authorization.from)
  if (options.simulate && (await passesOnChain(runtime, asset, authorization, signature))) {
    const verified = { payer, asset, authorization, signature: { inner: signature } }
    return { response: { isValid: true, payer }, verified }
  }
  const digest = authorizationDigest(
    { ...domain, chainId: runtime.chainId, verifyingContract: asset },
    authorization,
  )

  const fromCode = runtime.client.getCode({ address: payer })
  const assetDeployed = isAssetDeployed(runtime, asset)
  // Awaited later; a rejection before then must not count as unhandled.
  assetDeployed.catch(() => undefined)
  // Unless the signature is ERC-6492 wrapped, the simulation does not depend on the payer's code,
  // so it starts at once and its round trip overlaps the others.
  const wrapped = isErc6492Signature(signature)
  let classified = classifySignature(signature, false)
  let simulation = wrapped
    ? undefined
    : startSimulation(runtime, asset, authorization, classified, options.simulate)
  const payerHasCode = hasCode(await fromCode)
  if (wrapped) {
    classified = classifySignature(signature, payerHasCode)
    simulation = startSimulation(runtime, asset, authorization, classified, options.simulate)
  }

  const signatureProblem = await checkSignature(runtime, classified, digest, payer, payerHasCode)
  if (signatureProblem) return rejected(signatureProblem, payer)
  if (!(await assetDeployed)) return rejected({ code: 'EVM_ASSET_NOT_DEPLOYED' }, payer)
  const configured = findAsset(runtime.assets, asset)
  if (configured && configured.name !== domain.name) {
    return rejected(
      { code: 'EVM_EXACT_TOKEN_NAME_MISMATCH', message: `the token's name is ${configured.name}` },
      payer,
    )
  }
  if (configured && configured.version !== domain.version) {
    return rejected(
      {
        code: 'EVM_EXACT_TOKEN_VERSION_MISMATCH',
        message: `the token's version is ${configured.version}`,
      },
      payer,
    )
  }
  const simulated = await simulation!
  if (!simulated.ok) {
    const code = await diagnoseTransferFailure(runtime, asset, authorization, domain)
    const message =
      code === 'EVM_EXACT_NONCE_USED'
        ? await usedBy(runtime, asset, authorization)
        : simulated.message
    return rejected({ code, message }, payer)
  }
  return {
    response: { isValid: true, payer },
    verified: { payer, asset, authorization, signature: classified },
  }
}

/**
 * The checks that bind a payment to the requirements it is presented with, without RPC and
 * without the clock: scheme, EIP-712 domain present, network, asset, recipient and exact amount.
 * A stored or running settlement may be answered only to a request that passes them; the time
 * window is left out so that a retry after expiry still learns the outcome. A refusal is named as
 * verification at `nowSeconds` would name it.
 */
export function checkBinding(
  runtime: NetworkRuntime,
  payload: PaymentPayload,
  requirements: PaymentRequirements,
  nowSeconds: number,
):
  | { refusal: VerifyResponse & { isValid: false } }
  | { authorization: Authorization; signature: Hex; permit2: boolean } {
  const check = (at: number | undefined) => {
    if (requirements.scheme === 'upto') {
      const found = checkUptoWithoutRpc(runtime, payload, requirements, {
        nowSeconds: at,
        settling: true,
      })
      if ('code' in found) return found
      const authorization = uptoAsAuthorization(found.permit, found.charge.toString())
      return { authorization, signature: found.signature, permit2: true }
    }
    if (!isPermit2Payload(payload.payload)) {
      const found = checkWithoutRpc(runtime, payload, requirements, at)
      return 'code' in found ? found : { ...found, permit2: false }
    }
    const found = checkPermit2WithoutRpc(runtime, payload, requirements, at)
    if ('code' in found) return found
    const authorization = permit2AsAuthorization(found.permit)
    return { authorization, signature: found.signature, permit2: true }
  }
  const timeless = check(undefined)
  if (!('code' in timeless)) return timeless
  const timed = check(nowSeconds)
  const { code, message } = 'code' in timed ? timed : timeless
  return { refusal: reject(code, { message, payer: payerOf(payload) }) }
}

/** Every field of the authorization, so a verification is reused only for the one it verified. */
export const authorizationFields = [
  'from',
  'to',
  'value',
  'validAfter',
  'validBefore',
  'nonce',
] as const satisfies ReadonlyArray<keyof Authorization>

function sameAuthorization(verified: Authorization, presented: { authorization: Authorization }) {
  return authorizationFields.every(
    (field) => verified[field].toLowerCase() === presented.authorization[field].toLowerCase(),
  )
}

/** Checks in the reference order; with `nowSeconds` undefined, the time window is not checked. */
function checkWithoutRpc(
  runtime: NetworkRuntime,
  payload: PaymentPayload,
  requirements: PaymentRequirements,
  nowSeconds: number | undefined,
):
  | Rejection
  | {
      authorization: Authorization
      signature: Hex
      asset: Address
      domain: { name: string; version: string }
    } {
  if (payload.accepted.scheme !== 'exact' || requirements.scheme !== 'exact') {
    return { code: 'EVM_EXACT_SCHEME_INVALID' }
  }
  const name = requirements.extra?.name
  const version = requirements.extra?.version
  if (typeof name !== 'string' || typeof version !== 'string')
    return { code: 'EVM_EXACT_EIP712_DOMAIN_MISSING' }
  if (
    payload.accepted.network !== requirements.network ||
    requirements.network !== runtime.network
  ) {
    return { code: 'EVM_EXACT_NETWORK_MISMATCH' }
  }
  const allowed = findAsset(runtime.assets, requirements.asset)
  if (!allowed)
    return {
      code: 'ASSET_NOT_ALLOWED',
      message: `${requirements.asset} is not accepted on ${runtime.network}`,
    }
  const parsed = exactEvmPayloadSchema.safeParse(payload.payload)
  if (!parsed.success) {
    return {
      code: 'PAYLOAD_MALFORMED',
      message: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
    }
  }
  const { authorization, signature } = parsed.data
  if (
    !isAddress(requirements.payTo, { strict: false }) ||
    getAddress(authorization.to) !== getAddress(requirements.payTo)
  ) {
    return { code: 'EVM_EXACT_RECIPIENT_MISMATCH' }
  }
  const timeProblem = nowSeconds === undefined ? undefined : checkWindow(authorization, nowSeconds)
  if (timeProblem) return timeProblem
  if (BigInt(authorization.value) !== BigInt(requirements.amount)) {
    return {
      code: 'EVM_EXACT_VALUE_MISMATCH',
      message: `signed ${authorization.value}, required ${requirements.amount}`,
    }
  }
  return {
    authorization,
    signature: signature as Hex,
    asset: allowed.address,
    domain: { name, version },
  }
}

function checkWindow(authorization: Authorization, nowSeconds: number): Rejection | undefined {
  if (BigInt(authorization.validBefore) < BigInt(nowSeconds + validBeforeBufferSeconds)) {
    return {
      code: 'EVM_EXACT_VALID_BEFORE',
      message: 'the authorization expires too soon to be settled',
    }
  }
  if (BigInt(authorization.validAfter) > BigInt(nowSeconds))
    return { code: 'EVM_EXACT_VALID_AFTER' }
  return undefined
}

async function checkSignature(
  runtime: NetworkRuntime,
  signature: ClassifiedSignature,
  digest: Hex,
  payer: Address,
  payerHasCode: boolean,
): Promise<Rejection | undefined> {
  if (signature.deploy) {
    // Counterfactual wallet: only allow-listed factories, and the simulation must pass.
    if (!runtime.eip6492AllowedFactories.has(signature.deploy.factory.toLowerCase())) {
      return {
        code: 'EVM_EIP6492_FACTORY_NOT_ALLOWED',
        message: `factory ${signature.deploy.factory} is not allowed`,
      }
    }
    return undefined
  }
  if (payerHasCode) return checkContractSignature(runtime.client, digest, signature.inner, payer)
  return checkEcdsaSignature(digest, signature.inner, payer)
}

/**
 * The fast path for a payment that is fine, which is most of them: the token itself runs the
 * transfer (signature by ECDSA or ERC-1271, nonce, time window, balance) in a simulation shared
 * with other verifications. Only when it does not pass does verification walk the checks in
 * order to name the reason. An ERC-6492 wrapper always takes the full path.
 */
async function passesOnChain(
  runtime: NetworkRuntime,
  asset: Address,
  authorization: Authorization,
  signature: Hex,
): Promise<boolean> {
  if (!runtime.simulations || isErc6492Signature(signature)) return false
  const key = `${authorization.from}|${authorization.nonce}|${signature}`.toLowerCase()
  const data = transferCalldata(authorization, signature)
  const [deployed, passes] = await Promise.all([
    isAssetDeployed(runtime, asset),
    runtime.simulations.simulate(key, asset, data),
  ])
  // A call to an address without code "succeeds": the token must exist for a pass to count.
  return deployed && passes
}

function startSimulation(
  runtime: NetworkRuntime,
  asset: Address,
  authorization: Authorization,
  signature: ClassifiedSignature,
  simulate: boolean,
): Promise<SimulationResult> {
  if (!simulate) return Promise.resolve({ ok: true })
  const simulation = simulateTransfer(runtime, asset, authorization, signature)
  // Awaited later; a rejection before then must not count as unhandled.
  simulation.catch(() => undefined)
  return simulation
}

function hasCode(code: Hex | undefined): boolean {
  return code !== undefined && code !== '0x'
}

async function isAssetDeployed(runtime: NetworkRuntime, asset: Address): Promise<boolean> {
  const key = asset.toLowerCase()
  if (runtime.deployedAssets.has(key)) return true
  const code = await runtime.client.getCode({ address: asset })
  const deployed = hasCode(code)
  if (deployed) runtime.deployedAssets.add(key)
  return deployed
}

/** How far back the transaction that used an authorization is looked for (logs, per RPC call). */
const authorizationLookbackBlocks = 50_000n

/**
 * Names the transaction that used an authorization (its `AuthorizationUsed` log), so a merchant
 * or an agent can reconcile a payment someone else submitted first instead of guessing.
 */
async function usedBy(
  runtime: NetworkRuntime,
  asset: Address,
  authorization: Authorization,
): Promise<string> {
  try {
    const latest = await runtime.client.getBlockNumber()
    const fromBlock =
      latest > authorizationLookbackBlocks ? latest - authorizationLookbackBlocks : 0n
    const use = await findAuthorizationUse(
      runtime,
      asset,
      getAddress(authorization.from),
      authorization.nonce as Hex,
      fromBlock,
    )
    if (use.used && use.transaction)
      return `the authorization was already used, by transaction ${use.transaction}`
    if (use.used)
      return `the authorization was used or cancelled more than ${authorizationLookbackBlocks} blocks ago`
  } catch {
    // The verdict stands without the transaction: the nonce is spent either way.
  }
  return 'the authorization was already used (the transaction could not be read)'
}

function payerOf(payload: PaymentPayload): string | undefined {
  if (isPermit2Payload(payload.payload)) return permit2PayerOf(payload)
  const from = (payload.payload.authorization as { from?: unknown } | undefined)?.from
  return typeof from === 'string' && isAddress(from, { strict: false })
    ? getAddress(from)
    : undefined
}
