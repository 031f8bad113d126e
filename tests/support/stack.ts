import type { PaymentPayload, PaymentRequirements } from '@tollgate/core'
import {
  type Authorization,
  authorizationTypedData,
  type EvmFacilitatorExtras,
} from '@tollgate/evm'
import {
  type BuiltFacilitator,
  buildFacilitator,
  type DevManifest,
  type DevStack,
  listen,
  rpcClient,
  startDevStack,
} from 'tollgate'
import { type Address, bytesToHex, erc20Abi, getAddress, type Hex } from 'viem'
import { type PrivateKeyAccount, privateKeyToAccount } from 'viem/accounts'

/** A dev stack on free ports, for one test file. */
export async function startTestStack(options: { chainId?: number } = {}): Promise<DevStack> {
  return startDevStack({ rpcPort: 0, facilitatorPort: 0, apiPort: 0, solanaPort: 0, ...options })
}

export function payerAccount(manifest: DevManifest): PrivateKeyAccount {
  return privateKeyToAccount(manifest.accounts.payer.privateKey as Hex)
}

/** The requirement the example API's `/weather` route offers. */
export function weatherRequirements(manifest: DevManifest): PaymentRequirements {
  return {
    scheme: 'exact',
    network: manifest.network,
    amount: manifest.routes[0]!.amount,
    asset: getAddress(manifest.asset.address),
    payTo: getAddress(manifest.accounts.merchant.address),
    maxTimeoutSeconds: 300,
    extra: { name: manifest.asset.name, version: manifest.asset.version },
  }
}

export interface PaymentOverrides {
  authorization?: Partial<Authorization>
  domain?: Partial<{ name: string; version: string; chainId: number; verifyingContract: Address }>
  signer?: PrivateKeyAccount
  /** Replaces the signature after signing. */
  signature?: (signature: Hex) => Hex
}

/**
 * Signs an EIP-3009 payment for `requirements` the way a client does, with any field
 * overridden, so a test can build exactly the bad payment it needs.
 */
export async function signPayment(
  manifest: DevManifest,
  requirements: PaymentRequirements,
  overrides: PaymentOverrides = {},
): Promise<PaymentPayload> {
  const signer = overrides.signer ?? payerAccount(manifest)
  const now = Math.floor(Date.now() / 1000)
  const authorization: Authorization = {
    from: signer.address,
    to: getAddress(requirements.payTo),
    value: requirements.amount,
    validAfter: '0',
    validBefore: String(now + 300),
    nonce: bytesToHex(crypto.getRandomValues(new Uint8Array(32))),
    ...overrides.authorization,
  }
  const domain = {
    name: String(requirements.extra?.name),
    version: String(requirements.extra?.version),
    chainId: manifest.chainId,
    verifyingContract: getAddress(requirements.asset),
    ...overrides.domain,
  }
  let signature = await signer.signTypedData(authorizationTypedData(domain, authorization))
  if (overrides.signature) signature = overrides.signature(signature)
  return {
    x402Version: 2,
    resource: { url: `${manifest.exampleApiUrl}/weather` },
    accepted: requirements,
    payload: { signature, authorization },
  }
}

/** POSTs to the facilitator and returns status and JSON body. */
export async function postFacilitator(
  manifest: DevManifest,
  path: '/verify' | '/settle',
  body: unknown,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${manifest.facilitatorUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  })
  return { status: response.status, body: (await response.json()) as Record<string, unknown> }
}

export function facilitatorBody(payload: PaymentPayload, requirements: PaymentRequirements) {
  return { x402Version: 2, paymentPayload: payload, paymentRequirements: requirements }
}

export async function tokenBalance(manifest: DevManifest, owner: string): Promise<bigint> {
  return rpcClient(manifest.rpcUrl).readContract({
    address: manifest.asset.address as Address,
    abi: erc20Abi,
    functionName: 'balanceOf',
    args: [owner as Address],
  })
}

/** Counts `Transfer` events of the test token from `from` to `to` (on-chain debits). */
export async function transferCount(
  manifest: DevManifest,
  from: string,
  to: string,
): Promise<number> {
  const logs = await rpcClient(manifest.rpcUrl).getContractEvents({
    address: manifest.asset.address as Address,
    abi: erc20Abi,
    eventName: 'Transfer',
    args: { from: from as Address, to: to as Address },
    fromBlock: 0n,
  })
  return logs.length
}

export interface TestFacilitator {
  built: BuiltFacilitator
  /** The stack's manifest with this facilitator's URL, for `postFacilitator`. */
  manifest: DevManifest
  close(): Promise<void>
}

/**
 * A second facilitator for the stack's chain, in this process, with its own hot wallet and
 * settings; `rpcUrl` may point at a proxy in front of the chain.
 */
export async function startFacilitator(
  stack: DevStack,
  options: {
    signerKey: Hex
    rpcUrl?: string
    receiptTimeoutMs?: number
    batch?: { maxSize: number; maxWaitMs: number } | false
    tuning?: EvmFacilitatorExtras['tuning']
    syncSendWaitMs?: number
  },
): Promise<TestFacilitator> {
  const { manifest } = stack
  const built = await buildFacilitator({
    networks: [
      {
        network: manifest.network,
        rpcUrl: options.rpcUrl ?? manifest.rpcUrl,
        signerKeys: [options.signerKey],
        assets: [manifest.asset],
        multicall3: manifest.multicall3,
        ...(options.syncSendWaitMs !== undefined ? { syncSendWaitMs: options.syncSendWaitMs } : {}),
      },
    ],
    ...(options.receiptTimeoutMs ? { receiptTimeoutMs: options.receiptTimeoutMs } : {}),
    ...(options.batch !== undefined ? { batch: options.batch } : {}),
    ...(options.tuning ? { chainOptions: { eip155: { tuning: options.tuning } } } : {}),
  })
  const server = await listen(built.app, 0)
  return {
    built,
    manifest: { ...manifest, facilitatorUrl: server.url },
    async close() {
      await server.close()
      await built.close()
    },
  }
}
