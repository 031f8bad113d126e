/**
 * Goal: `exact` over Permit2 and `upto` as the buyer and seller sign them are what the canonical
 * contracts settle, and they agree with the official @x402/evm 2.27 client: its Permit2 and upto
 * payloads for our server's requirements have our payload shape, and settle through the
 * contracts deployDevnet places at the canonical addresses, as ours do.
 * Method: a fresh anvil with deployDevnet; the payer approves Permit2 with permit2ApprovalCall;
 * payloads from our client and from the official one are submitted to the proxies by the
 * facilitator account, and balances are read back. verifyExactPermit2 runs against the same
 * chain: a good payment passes, and each broken one is named by the reference's reason.
 */
import type { PaymentRequirements } from '@tollgate/core'
import {
  ANVIL_ACCOUNTS,
  DEVNET_ROLES,
  type DevnetContracts,
  deployDevnet,
  devnetChain,
  fundDevnet,
  startAnvil,
} from '@tollgate/devnet'
import {
  exactEvmClient,
  exactEvmServer,
  exactPermit2PayloadSchema,
  permit2Addresses,
  permit2Allowance,
  permit2ApprovalCall,
  permit2ProxyAbi,
  signUptoPermit2,
  uptoPermit2PayloadSchema,
  uptoProxyAbi,
} from '@tollgate/evm'
import { ExactEvmScheme as OfficialExactClient } from '@x402/evm/exact/client'
import { UptoEvmScheme as OfficialUptoClient } from '@x402/evm/upto/client'
import {
  type Address,
  createPublicClient,
  createWalletClient,
  getAddress,
  http,
  type PublicClient,
} from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { verifyExactPermit2 } from '../packages/evm/src/exact/permit2/verify.ts'
import { systemClock } from '../packages/evm/src/facilitator/clock.ts'
import { createNetworkRuntime } from '../packages/evm/src/facilitator/runtime.ts'

const deployer = ANVIL_ACCOUNTS[DEVNET_ROLES.deployer]
const facilitator = privateKeyToAccount(ANVIL_ACCOUNTS[DEVNET_ROLES.facilitator].privateKey)
const payer = privateKeyToAccount(ANVIL_ACCOUNTS[DEVNET_ROLES.payer].privateKey)
const merchant = ANVIL_ACCOUNTS[DEVNET_ROLES.merchant].address

let anvil: Awaited<ReturnType<typeof startAnvil>>
let contracts: DevnetContracts
let reader: PublicClient
const network = 'eip155:31337' as const

beforeAll(async () => {
  anvil = await startAnvil()
  contracts = await deployDevnet({
    rpcUrl: anvil.rpcUrl,
    chainId: anvil.chainId,
    deployerPrivateKey: deployer.privateKey,
  })
  await fundDevnet({
    rpcUrl: anvil.rpcUrl,
    chainId: anvil.chainId,
    deployerPrivateKey: deployer.privateKey,
    token: contracts.token.address,
    usdc: [{ address: payer.address, amount: 100_000_000n }],
  })
  reader = createPublicClient({
    chain: devnetChain(anvil.chainId, anvil.rpcUrl, contracts.multicall3),
    transport: http(),
    pollingInterval: 50,
  })
})

afterAll(async () => {
  await anvil?.stop()
})

function walletOf(account: typeof payer) {
  return createWalletClient({
    account,
    chain: devnetChain(anvil.chainId, anvil.rpcUrl, contracts.multicall3),
    transport: http(),
  })
}

function balanceOf(address: Address): Promise<bigint> {
  return reader.readContract({
    address: contracts.token.address,
    abi: [
      {
        type: 'function',
        name: 'balanceOf',
        stateMutability: 'view',
        inputs: [{ name: 'a', type: 'address' }],
        outputs: [{ name: '', type: 'uint256' }],
      },
    ],
    functionName: 'balanceOf',
    args: [address],
  })
}

function permit2Requirements(amount: string): PaymentRequirements {
  return exactEvmServer({
    assets: { [network]: { ...contracts.token } },
    assetTransferMethod: 'permit2',
  }).buildRequirements({
    network,
    price: { amount, asset: contracts.token.address, extra: { assetTransferMethod: 'permit2' } },
    payTo: merchant,
    maxTimeoutSeconds: 300,
  }) as PaymentRequirements
}

async function settleExact(payload: unknown): Promise<void> {
  const { permit2Authorization: auth, signature } = exactPermit2PayloadSchema.parse(payload)
  const hash = await walletOf(facilitator).writeContract({
    address: permit2Addresses.exactProxy,
    abi: permit2ProxyAbi,
    functionName: 'settle',
    args: [
      {
        permitted: {
          token: getAddress(auth.permitted.token),
          amount: BigInt(auth.permitted.amount),
        },
        nonce: BigInt(auth.nonce),
        deadline: BigInt(auth.deadline),
      },
      getAddress(auth.from),
      { to: getAddress(auth.witness.to), validAfter: BigInt(auth.witness.validAfter) },
      signature as `0x${string}`,
    ],
  })
  const receipt = await reader.waitForTransactionReceipt({ hash })
  expect(receipt.status).toBe('success')
}

describe('exact over Permit2 and upto on the devnet', () => {
  it('the seller asks for Permit2 without a token domain; the approval call lets Permit2 spend', async () => {
    const requirements = permit2Requirements('10000')
    expect(requirements.extra).toEqual({ assetTransferMethod: 'permit2' })
    const dollar = exactEvmServer({
      assets: { [network]: { ...contracts.token } },
      assetTransferMethod: 'permit2',
    }).buildRequirements({ network, price: '$0.01', payTo: merchant, maxTimeoutSeconds: 60 })
    expect(dollar).toMatchObject({ amount: '10000', extra: { assetTransferMethod: 'permit2' } })

    expect(await permit2Allowance(reader, contracts.token.address, payer.address)).toBe(0n)
    const call = permit2ApprovalCall(contracts.token.address)
    const hash = await walletOf(payer).sendTransaction(call)
    await reader.waitForTransactionReceipt({ hash })
    expect(await permit2Allowance(reader, contracts.token.address, payer.address)).toBe(
      2n ** 256n - 1n,
    )
  })

  it('our client and the official one sign the same shape, and both settle once to payTo', async () => {
    const requirements = permit2Requirements('25000')
    const ours = await exactEvmClient({ signer: payer }).createPayload(requirements, {
      x402Version: 2,
    })
    const official = await new OfficialExactClient(payer).createPaymentPayload(2, {
      ...requirements,
      network,
      extra: requirements.extra ?? {},
    })
    const oursParsed = exactPermit2PayloadSchema.parse(ours)
    const officialParsed = exactPermit2PayloadSchema.parse(official.payload)
    for (const parsed of [oursParsed, officialParsed]) {
      expect(parsed.permit2Authorization).toMatchObject({
        from: payer.address,
        permitted: { token: contracts.token.address, amount: '25000' },
        spender: permit2Addresses.exactProxy,
        witness: { to: merchant, validAfter: '0' },
      })
    }
    expect(Object.keys(oursParsed.permit2Authorization).sort()).toEqual(
      Object.keys(official.payload.permit2Authorization as object).sort(),
    )
    const before = await balanceOf(merchant)
    await settleExact(ours)
    await settleExact(official.payload)
    expect((await balanceOf(merchant)) - before).toBe(50_000n)
    await expect(settleExact(ours)).rejects.toThrow()
  })

  it('upto: our signature and the official one let only the named facilitator take at most the maximum', async () => {
    const requirements: PaymentRequirements = {
      ...permit2Requirements('40000'),
      scheme: 'upto',
      extra: { facilitatorAddress: facilitator.address },
    }
    const ours = uptoPermit2PayloadSchema.parse(
      await signUptoPermit2(payer, requirements, anvil.chainId, Math.floor(Date.now() / 1000)),
    )
    const official = uptoPermit2PayloadSchema.parse(
      (
        await new OfficialUptoClient(payer).createPaymentPayload(2, {
          ...requirements,
          network,
          extra: requirements.extra ?? {},
        })
      ).payload,
    )
    for (const parsed of [ours, official]) {
      expect(parsed.permit2Authorization).toMatchObject({
        spender: permit2Addresses.uptoProxy,
        witness: { to: merchant, facilitator: facilitator.address, validAfter: '0' },
      })
    }
    const before = await balanceOf(merchant)
    for (const [parsed, charge] of [
      [ours, 1_234n],
      [official, 40_000n],
    ] as const) {
      const auth = parsed.permit2Authorization
      const args = [
        {
          permitted: {
            token: getAddress(auth.permitted.token),
            amount: BigInt(auth.permitted.amount),
          },
          nonce: BigInt(auth.nonce),
          deadline: BigInt(auth.deadline),
        },
        charge,
        getAddress(auth.from),
        {
          to: getAddress(auth.witness.to),
          facilitator: getAddress(auth.witness.facilitator),
          validAfter: BigInt(auth.witness.validAfter),
        },
        parsed.signature as `0x${string}`,
      ] as const
      await expect(
        reader.simulateContract({
          account: payer,
          address: permit2Addresses.uptoProxy,
          abi: uptoProxyAbi,
          functionName: 'settle',
          args,
        }),
      ).rejects.toThrow(/UnauthorizedFacilitator/)
      await expect(
        reader.simulateContract({
          account: facilitator,
          address: permit2Addresses.uptoProxy,
          abi: uptoProxyAbi,
          functionName: 'settle',
          args: [args[0], 40_001n, args[2], args[3], args[4]],
        }),
      ).rejects.toThrow(/AmountExceedsPermitted/)
      const { request } = await reader.simulateContract({
        account: facilitator,
        address: permit2Addresses.uptoProxy,
        abi: uptoProxyAbi,
        functionName: 'settle',
        args,
      })
      const hash = await walletOf(facilitator).writeContract(request)
      expect((await reader.waitForTransactionReceipt({ hash })).status).toBe('success')
    }
    expect((await balanceOf(merchant)) - before).toBe(41_234n)
  })
})

describe('verifyExactPermit2 on the devnet', () => {
  const stranger = privateKeyToAccount(ANVIL_ACCOUNTS[5].privateKey)

  function runtime() {
    return createNetworkRuntime(
      {
        network,
        client: reader,
        signers: [facilitator],
        assets: [{ ...contracts.token }],
        multicall3: contracts.multicall3,
      },
      systemClock,
    )
  }

  async function verdict(payload: unknown, requirements = permit2Requirements('7000')) {
    const outcome = await verifyExactPermit2(
      runtime(),
      { x402Version: 2, accepted: requirements, payload: payload as Record<string, unknown> },
      requirements,
      { nowSeconds: Math.floor(Date.now() / 1000), simulate: true },
    )
    return outcome.response
  }

  async function signed(signer = payer, requirements = permit2Requirements('7000')) {
    return exactPermit2PayloadSchema.parse(
      await exactEvmClient({ signer }).createPayload(requirements, { x402Version: 2 }),
    )
  }

  it('passes a good payment and names every broken one', async () => {
    const good = await signed()
    expect(await verdict(good)).toEqual({ isValid: true, payer: payer.address })
    const auth = good.permit2Authorization
    const cases: Array<[unknown, string]> = [
      [
        { ...good, permit2Authorization: { ...auth, spender: permit2Addresses.uptoProxy } },
        'invalid_permit2_spender',
      ],
      [
        {
          ...good,
          permit2Authorization: { ...auth, witness: { ...auth.witness, to: payer.address } },
        },
        'invalid_permit2_recipient_mismatch',
      ],
      [{ ...good, permit2Authorization: { ...auth, deadline: '1' } }, 'permit2_deadline_expired'],
      [
        {
          ...good,
          permit2Authorization: {
            ...auth,
            witness: { ...auth.witness, validAfter: '99999999999' },
          },
        },
        'permit2_not_yet_valid',
      ],
      [
        {
          ...good,
          permit2Authorization: { ...auth, permitted: { ...auth.permitted, amount: '7001' } },
        },
        'permit2_amount_mismatch',
      ],
      [{ ...good, permit2Authorization: { ...auth, nonce: '5' } }, 'invalid_permit2_signature'],
      [{ ...good, signature: '0x1234' }, 'invalid_permit2_signature'],
      [{ signature: good.signature }, 'invalid_payload'],
    ]
    for (const [payload, reason] of cases) {
      expect((await verdict(payload)).invalidReason, reason).toBe(reason)
    }
  })

  it('names a missing Permit2 approval, a short balance and a used nonce from the chain', async () => {
    // The stranger holds no tokens and never approved Permit2.
    expect((await verdict(await signed(stranger))).invalidReason).toBe('permit2_allowance_required')
    const approve = await walletOf(stranger).sendTransaction(
      permit2ApprovalCall(contracts.token.address),
    )
    await reader.waitForTransactionReceipt({ hash: approve })
    expect((await verdict(await signed(stranger))).invalidReason).toBe(
      'permit2_insufficient_balance',
    )
    const used = await signed()
    await settleExact(used)
    expect((await verdict(used)).invalidReason).toBe('permit2_invalid_nonce')
  })
})
