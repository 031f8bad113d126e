/**
 * Goal: the Permit2 subset and the x402 exact and upto proxies that deployDevnet places at the
 * canonical addresses behave as the canonical contracts do for every x402 path: a witness
 * transfer signed for the canonical verifying contract settles once, to the witness's recipient,
 * and every check the proxies document refuses what it should.
 * Method: a fresh anvil and deployDevnet; the payer approves Permit2 and signs typed data with
 * viem (not with our contracts' own hashing); calls go through viem and read balances back.
 */

import {
  permit2Abi,
  testUsdcAbi,
  x402ExactPermit2ProxyAbi,
  x402UptoPermit2ProxyAbi,
} from '@tollgate/contracts'
import {
  type Address,
  BaseError,
  ContractFunctionRevertedError,
  createPublicClient,
  createWalletClient,
  type Hex,
  hashDomain,
  http,
  keccak256,
  maxUint256,
  toHex,
} from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ANVIL_ACCOUNTS, DEVNET_ROLES } from './anvilAccounts.ts'
import { type DevnetContracts, deployDevnet } from './deployDevnet.ts'
import { devnetChain } from './devnetChain.ts'
import { fundDevnet } from './fundDevnet.ts'
import { type AnvilProcess, startAnvil } from './startAnvil.ts'

const deployer = ANVIL_ACCOUNTS[DEVNET_ROLES.deployer]
const facilitator = privateKeyToAccount(ANVIL_ACCOUNTS[DEVNET_ROLES.facilitator].privateKey)
const payer = privateKeyToAccount(ANVIL_ACCOUNTS[DEVNET_ROLES.payer].privateKey)
const merchant = ANVIL_ACCOUNTS[DEVNET_ROLES.merchant].address

let anvil: AnvilProcess
let contracts: DevnetContracts

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
    usdc: [{ address: payer.address, amount: 1_000_000_000n }],
  })
  await wallet(payer).writeContract({
    address: contracts.token.address,
    abi: testUsdcAbi,
    functionName: 'approve',
    args: [contracts.canonical.permit2, maxUint256],
  })
})

afterAll(async () => {
  await anvil?.stop()
})

function chain() {
  return devnetChain(anvil.chainId, anvil.rpcUrl, contracts.multicall3)
}
function reader() {
  return createPublicClient({ chain: chain(), transport: http(), pollingInterval: 50 })
}
function wallet(account: ReturnType<typeof privateKeyToAccount>) {
  return createWalletClient({ account, chain: chain(), transport: http() })
}

/** Permit2's errors bubble up through the proxies; decoding them needs Permit2's ABI too. */
const permit2Errors = permit2Abi.filter((item) => item.type === 'error')
const exactProxyAbi = [...x402ExactPermit2ProxyAbi, ...permit2Errors]
const uptoProxyAbi = [...x402UptoPermit2ProxyAbi, ...permit2Errors]

let nextNonce = 1n

type PermitOptions = {
  amount: bigint
  to?: Address
  validAfter?: bigint
  deadline?: bigint
  nonce?: bigint
}

function permitOf(options: PermitOptions) {
  return {
    permitted: { token: contracts.token.address, amount: options.amount },
    nonce: options.nonce ?? nextNonce++,
    deadline: options.deadline ?? BigInt(Math.floor(Date.now() / 1000) + 3600),
  }
}

/** The Permit2 witness-transfer types x402 clients sign, without the witness struct. */
const permitWitnessTypes = {
  PermitWitnessTransferFrom: [
    { name: 'permitted', type: 'TokenPermissions' },
    { name: 'spender', type: 'address' },
    { name: 'nonce', type: 'uint256' },
    { name: 'deadline', type: 'uint256' },
    { name: 'witness', type: 'Witness' },
  ],
  TokenPermissions: [
    { name: 'token', type: 'address' },
    { name: 'amount', type: 'uint256' },
  ],
} as const

function permit2Domain() {
  return {
    name: 'Permit2',
    chainId: anvil.chainId,
    verifyingContract: contracts.canonical.permit2,
  } as const
}

async function signExact(options: PermitOptions) {
  const permit = permitOf(options)
  const witness = { to: options.to ?? merchant, validAfter: options.validAfter ?? 0n }
  const signature = await payer.signTypedData({
    domain: permit2Domain(),
    types: {
      ...permitWitnessTypes,
      Witness: [
        { name: 'to', type: 'address' },
        { name: 'validAfter', type: 'uint256' },
      ],
    },
    primaryType: 'PermitWitnessTransferFrom',
    message: { ...permit, spender: contracts.canonical.x402ExactPermit2Proxy, witness },
  })
  return { permit, witness, signature }
}

async function signUpto(options: PermitOptions) {
  const permit = permitOf(options)
  const witness = {
    to: options.to ?? merchant,
    facilitator: facilitator.address,
    validAfter: options.validAfter ?? 0n,
  }
  const signature = await payer.signTypedData({
    domain: permit2Domain(),
    types: {
      ...permitWitnessTypes,
      Witness: [
        { name: 'to', type: 'address' },
        { name: 'facilitator', type: 'address' },
        { name: 'validAfter', type: 'uint256' },
      ],
    },
    primaryType: 'PermitWitnessTransferFrom',
    message: { ...permit, spender: contracts.canonical.x402UptoPermit2Proxy, witness },
  })
  return { permit, witness, signature }
}

async function balanceOf(address: Address): Promise<bigint> {
  return reader().readContract({
    address: contracts.token.address,
    abi: testUsdcAbi,
    functionName: 'balanceOf',
    args: [address],
  })
}

/** The custom error a call reverts with, from a simulation. */
async function revertName(run: () => Promise<unknown>): Promise<string> {
  try {
    await run()
  } catch (error) {
    if (error instanceof BaseError) {
      const reverted = error.walk((cause) => cause instanceof ContractFunctionRevertedError)
      if (reverted instanceof ContractFunctionRevertedError) {
        return reverted.data?.errorName ?? reverted.reason ?? 'unnamed revert'
      }
    }
    throw error
  }
  return 'no revert'
}

function exactSettle(
  signed: Awaited<ReturnType<typeof signExact>>,
  owner: Address = payer.address,
) {
  if (!('validAfter' in signed.witness) || 'facilitator' in signed.witness) {
    throw new Error('an exact witness was expected')
  }
  return reader().simulateContract({
    account: facilitator,
    address: contracts.canonical.x402ExactPermit2Proxy,
    abi: exactProxyAbi,
    functionName: 'settle',
    args: [signed.permit, owner, signed.witness, signed.signature],
  })
}

async function send(request: Awaited<ReturnType<typeof exactSettle>>['request']) {
  const hash = await wallet(facilitator).writeContract(request)
  const receipt = await reader().waitForTransactionReceipt({ hash })
  expect(receipt.status).toBe('success')
}

describe('canonical x402 contracts on the devnet', () => {
  it('have code at the canonical addresses and the typehashes of the canonical ones', async () => {
    const client = reader()
    for (const address of Object.values(contracts.canonical)) {
      expect((await client.getCode({ address }))?.length ?? 0).toBeGreaterThan(100)
    }
    const read = <T>(
      address: Address,
      abi: typeof x402ExactPermit2ProxyAbi | typeof x402UptoPermit2ProxyAbi,
      functionName: 'WITNESS_TYPEHASH' | 'PERMIT2' | 'WITNESS_TYPE_STRING',
    ) => client.readContract({ address, abi, functionName }) as Promise<T>
    expect(
      await read(
        contracts.canonical.x402ExactPermit2Proxy,
        x402ExactPermit2ProxyAbi,
        'WITNESS_TYPEHASH',
      ),
    ).toBe('0xd97b3239a7f32295517bd14cb074edfdd188dfe5eb42f802bb26d4fd1eb12c37')
    expect(
      await read(
        contracts.canonical.x402UptoPermit2Proxy,
        x402UptoPermit2ProxyAbi,
        'WITNESS_TYPEHASH',
      ),
    ).toBe('0xd4171c445a74218b01d4fd8af34ff1106580ea1e36ff837e64484bfaa2253b75')
    for (const proxy of [
      contracts.canonical.x402ExactPermit2Proxy,
      contracts.canonical.x402UptoPermit2Proxy,
    ]) {
      expect(await read(proxy, x402ExactPermit2ProxyAbi, 'PERMIT2')).toBe(
        contracts.canonical.permit2,
      )
    }
    const separator = await client.readContract({
      address: contracts.canonical.permit2,
      abi: permit2Abi,
      functionName: 'DOMAIN_SEPARATOR',
    })
    expect(separator).toBe(
      hashDomain({
        domain: {
          name: 'Permit2',
          chainId: BigInt(anvil.chainId),
          verifyingContract: contracts.canonical.permit2,
        },
        types: {
          EIP712Domain: [
            { name: 'name', type: 'string' },
            { name: 'chainId', type: 'uint256' },
            { name: 'verifyingContract', type: 'address' },
          ],
        },
      }),
    )
  })

  it('exact: moves the permitted amount to the witness recipient once; a replay is InvalidNonce', async () => {
    const signed = await signExact({ amount: 10_000n })
    const before = await balanceOf(merchant)
    const { request } = await exactSettle(signed)
    await send(request)
    expect((await balanceOf(merchant)) - before).toBe(10_000n)
    expect(await revertName(() => exactSettle(signed))).toBe('InvalidNonce')
    const bitmap = await reader().readContract({
      address: contracts.canonical.permit2,
      abi: permit2Abi,
      functionName: 'nonceBitmap',
      args: [payer.address, signed.permit.nonce >> 8n],
    })
    expect(bitmap & (1n << (signed.permit.nonce & 0xffn))).not.toBe(0n)
  })

  it('exact: a changed recipient, owner, deadline or validAfter is refused with the documented error', async () => {
    const signed = await signExact({ amount: 5_000n })
    const elsewhere = { ...signed, witness: { ...signed.witness, to: deployer.address } }
    expect(await revertName(() => exactSettle(elsewhere))).toBe('InvalidSigner')
    expect(await revertName(() => exactSettle(signed, facilitator.address))).toBe('InvalidSigner')
    expect(
      await revertName(() =>
        exactSettle({
          ...signed,
          witness: { ...signed.witness, to: '0x0000000000000000000000000000000000000000' },
        }),
      ),
    ).toBe('InvalidDestination')
    expect(
      await revertName(() => exactSettle(signed, '0x0000000000000000000000000000000000000000')),
    ).toBe('InvalidOwner')
    const expired = await signExact({ amount: 5_000n, deadline: 1n })
    expect(await revertName(() => exactSettle(expired))).toBe('SignatureExpired')
    const early = await signExact({ amount: 5_000n, validAfter: 2n ** 40n })
    expect(await revertName(() => exactSettle(early))).toBe('PaymentTooEarly')
    const zero = await signExact({ amount: 0n })
    expect(await revertName(() => exactSettle(zero))).toBe('InvalidAmount')
    const truncated = { ...signed, signature: signed.signature.slice(0, 100) as Hex }
    expect(await revertName(() => exactSettle(truncated))).toBe('InvalidSignatureLength')
  })

  it('upto: only the named facilitator settles, at most the permitted amount, once', async () => {
    const signed = await signUpto({ amount: 50_000n })
    const witness = signed.witness
    const settle = (amount: bigint, account = facilitator) =>
      reader().simulateContract({
        account,
        address: contracts.canonical.x402UptoPermit2Proxy,
        abi: uptoProxyAbi,
        functionName: 'settle',
        args: [signed.permit, amount, payer.address, witness, signed.signature],
      })
    expect(await revertName(() => settle(50_001n))).toBe('AmountExceedsPermitted')
    expect(await revertName(() => settle(1_000n, payer))).toBe('UnauthorizedFacilitator')
    expect(await revertName(() => settle(0n))).toBe('InvalidAmount')
    const before = await balanceOf(merchant)
    const { request } = await settle(12_345n)
    const hash = await wallet(facilitator).writeContract(request)
    expect((await reader().waitForTransactionReceipt({ hash })).status).toBe('success')
    expect((await balanceOf(merchant)) - before).toBe(12_345n)
    expect(await revertName(() => settle(1n))).toBe('InvalidNonce')
  })

  it('Permit2: invalidateUnorderedNonces cancels a signature before it is used', async () => {
    const signed = await signExact({ amount: 1_000n, nonce: 0xabcn })
    const hash = await wallet(payer).writeContract({
      address: contracts.canonical.permit2,
      abi: permit2Abi,
      functionName: 'invalidateUnorderedNonces',
      args: [0xabcn >> 8n, 1n << (0xabcn & 0xffn)],
    })
    await reader().waitForTransactionReceipt({ hash })
    expect(await revertName(() => exactSettle(signed))).toBe('InvalidNonce')
    expect(keccak256(toHex('Witness(address to,uint256 validAfter)'))).toBe(
      '0xd97b3239a7f32295517bd14cb074edfdd188dfe5eb42f802bb26d4fd1eb12c37',
    )
  })
})
