/**
 * Goal: TestUSDC's metadata, EIP-712 domain, EIP-2612 permit, ERC-20 rules and devnet admin calls
 * behave like USDC's. Method: read the views against values computed independently with viem,
 * then exercise each mutation with one valid and several invalid inputs.
 */

import { testUsdcAbi } from '@tollgate/contracts'
import { type Address, type Hex, hashDomain, keccak256, stringToHex } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PERMIT_TYPES, signTransfer, splitSignature } from './support/eip712.ts'
import { type ContractsFixture, startContractsFixture, type Wallet } from './support/fixture.ts'
import { revertReason } from './support/revert.ts'

let f: ContractsFixture

beforeAll(async () => {
  f = await startContractsFixture()
})

afterAll(async () => {
  await f?.stop()
})

function read<const name extends 'name' | 'symbol' | 'version' | 'decimals' | 'owner'>(name: name) {
  return f.publicClient.readContract({ address: f.token, abi: testUsdcAbi, functionName: name })
}

function balanceOf(address: Address) {
  return f.publicClient.readContract({
    address: f.token,
    abi: testUsdcAbi,
    functionName: 'balanceOf',
    args: [address],
  })
}

async function send(wallet: Wallet, request: Parameters<Wallet['writeContract']>[0]) {
  const hash = await wallet.writeContract(request)
  const receipt = await f.publicClient.waitForTransactionReceipt({ hash })
  expect(receipt.status).toBe('success')
}

describe('metadata and EIP-712 domain', () => {
  it('reports the devnet metadata', async () => {
    expect(await read('name')).toBe('USD Coin')
    expect(await read('symbol')).toBe('USDC')
    expect(await read('version')).toBe('2')
    expect(await read('decimals')).toBe(6)
    expect(await read('owner')).toBe(f.deployer.account.address)
  })

  it('derives DOMAIN_SEPARATOR from name, version, chain id and address (no salt)', async () => {
    const separator = await f.publicClient.readContract({
      address: f.token,
      abi: testUsdcAbi,
      functionName: 'DOMAIN_SEPARATOR',
    })
    const types = {
      EIP712Domain: [
        { name: 'name', type: 'string' },
        { name: 'version', type: 'string' },
        { name: 'chainId', type: 'uint256' },
        { name: 'verifyingContract', type: 'address' },
      ],
    } as const
    const domain = { ...f.domain, chainId: BigInt(f.domain.chainId) }
    expect(separator).toBe(hashDomain({ domain, types }))
  })

  it('uses the FiatToken v2 type strings', async () => {
    const typeHash = (
      name:
        | 'TRANSFER_WITH_AUTHORIZATION_TYPEHASH'
        | 'RECEIVE_WITH_AUTHORIZATION_TYPEHASH'
        | 'CANCEL_AUTHORIZATION_TYPEHASH'
        | 'PERMIT_TYPEHASH',
    ) => f.publicClient.readContract({ address: f.token, abi: testUsdcAbi, functionName: name })
    const authorization =
      'address from,address to,uint256 value,uint256 validAfter,uint256 validBefore,bytes32 nonce'
    const hashOf = (text: string) => keccak256(stringToHex(text))
    expect(await typeHash('TRANSFER_WITH_AUTHORIZATION_TYPEHASH')).toBe(
      hashOf(`TransferWithAuthorization(${authorization})`),
    )
    expect(await typeHash('RECEIVE_WITH_AUTHORIZATION_TYPEHASH')).toBe(
      hashOf(`ReceiveWithAuthorization(${authorization})`),
    )
    expect(await typeHash('CANCEL_AUTHORIZATION_TYPEHASH')).toBe(
      hashOf('CancelAuthorization(address authorizer,bytes32 nonce)'),
    )
    expect(await typeHash('PERMIT_TYPEHASH')).toBe(
      hashOf('Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)'),
    )
  })
})

describe('permit (EIP-2612)', () => {
  async function signPermit(value: bigint, deadline: bigint, signer = f.payer): Promise<Hex> {
    const nonce = await f.publicClient.readContract({
      address: f.token,
      abi: testUsdcAbi,
      functionName: 'nonces',
      args: [f.payer.account.address],
    })
    const message = {
      owner: f.payer.account.address,
      spender: f.facilitator.account.address,
      value,
      nonce,
      deadline,
    }
    return signer.account.signTypedData({
      domain: f.domain,
      types: PERMIT_TYPES,
      primaryType: 'Permit',
      message,
    })
  }

  function simulatePermit(value: bigint, deadline: bigint, signature: Hex) {
    return f.publicClient.simulateContract({
      account: f.facilitator.account,
      address: f.token,
      abi: testUsdcAbi,
      functionName: 'permit',
      args: [f.payer.account.address, f.facilitator.account.address, value, deadline, signature],
    })
  }

  const allowance = () =>
    f.publicClient.readContract({
      address: f.token,
      abi: testUsdcAbi,
      functionName: 'allowance',
      args: [f.payer.account.address, f.facilitator.account.address],
    })

  it('sets the allowance, bumps the nonce and cannot be replayed (bytes overload)', async () => {
    const deadline = (await f.publicClient.getBlock()).timestamp + 600n
    const signature = await signPermit(5_000_000n, deadline)
    await send(f.facilitator, (await simulatePermit(5_000_000n, deadline, signature)).request)
    expect(await allowance()).toBe(5_000_000n)
    expect(await revertReason(simulatePermit(5_000_000n, deadline, signature))).toBe(
      'EIP2612: invalid signature',
    )
  })

  it('accepts the (v, r, s) overload', async () => {
    const deadline = (await f.publicClient.getBlock()).timestamp + 600n
    const [v, r, s] = splitSignature(await signPermit(7n, deadline))
    const { request } = await f.publicClient.simulateContract({
      account: f.facilitator.account,
      address: f.token,
      abi: testUsdcAbi,
      functionName: 'permit',
      args: [f.payer.account.address, f.facilitator.account.address, 7n, deadline, v, r, s],
    })
    await send(f.facilitator, request)
    expect(await allowance()).toBe(7n)
  })

  it('rejects an expired deadline and a signature by another key', async () => {
    const past = (await f.publicClient.getBlock()).timestamp - 1n
    expect(await revertReason(simulatePermit(1n, past, await signPermit(1n, past)))).toBe(
      'EIP2612: permit is expired',
    )
    const deadline = past + 600n
    const forged = await signPermit(1n, deadline, f.stranger)
    expect(await revertReason(simulatePermit(1n, deadline, forged))).toBe(
      'EIP2612: invalid signature',
    )
  })
})

describe('ERC-20 transfers', () => {
  const transfer = (from: Wallet, to: Address, value: bigint) =>
    f.publicClient.simulateContract({
      account: from.account,
      address: f.token,
      abi: testUsdcAbi,
      functionName: 'transfer',
      args: [to, value],
    })

  it('moves funds and rejects overdrafts and the zero address', async () => {
    const before = await balanceOf(f.merchant.account.address)
    await send(f.payer, (await transfer(f.payer, f.merchant.account.address, 3n)).request)
    expect((await balanceOf(f.merchant.account.address)) - before).toBe(3n)
    const balance = await balanceOf(f.payer.account.address)
    expect(await revertReason(transfer(f.payer, f.merchant.account.address, balance + 1n))).toBe(
      'ERC20: transfer amount exceeds balance',
    )
    const zero = '0x0000000000000000000000000000000000000000'
    expect(await revertReason(transfer(f.payer, zero, 1n))).toBe(
      'ERC20: transfer to the zero address',
    )
  })

  it('spends allowances in transferFrom and rejects more than allowed', async () => {
    await send(f.payer, {
      address: f.token,
      abi: testUsdcAbi,
      functionName: 'approve',
      args: [f.merchant.account.address, 10n],
    })
    const transferFrom = (value: bigint) =>
      f.publicClient.simulateContract({
        account: f.merchant.account,
        address: f.token,
        abi: testUsdcAbi,
        functionName: 'transferFrom',
        args: [f.payer.account.address, f.merchant.account.address, value],
      })
    expect(await revertReason(transferFrom(11n))).toBe('ERC20: transfer amount exceeds allowance')
    await send(f.merchant, (await transferFrom(10n)).request)
  })
})

describe('devnet admin', () => {
  const mint = (caller: Wallet) =>
    f.publicClient.simulateContract({
      account: caller.account,
      address: f.token,
      abi: testUsdcAbi,
      functionName: 'mint',
      args: [f.merchant.account.address, 1n],
    })

  it('lets only the owner mint', async () => {
    for (const caller of [f.payer, f.facilitator, f.stranger]) {
      expect(await revertReason(mint(caller))).toBe('TestUSDC: caller is not the owner')
    }
    const supplyBefore = await f.publicClient.readContract({
      address: f.token,
      abi: testUsdcAbi,
      functionName: 'totalSupply',
    })
    await send(f.deployer, (await mint(f.deployer)).request)
    const supplyAfter = await f.publicClient.readContract({
      address: f.token,
      abi: testUsdcAbi,
      functionName: 'totalSupply',
    })
    expect(supplyAfter - supplyBefore).toBe(1n)
  })

  it('keeps balances intact while blacklisted (the flag shares the balance word)', async () => {
    const account = f.payer.account.address
    const before = await balanceOf(account)
    const blacklisted = () =>
      f.publicClient.readContract({
        address: f.token,
        abi: testUsdcAbi,
        functionName: 'isBlacklisted',
        args: [account],
      })
    const admin = (functionName: 'blacklist' | 'unBlacklist') =>
      send(f.deployer, { address: f.token, abi: testUsdcAbi, functionName, args: [account] })
    await admin('blacklist')
    expect(await blacklisted()).toBe(true)
    expect(await balanceOf(account)).toBe(before)
    await admin('unBlacklist')
    expect(await blacklisted()).toBe(false)
    expect(await balanceOf(account)).toBe(before)
  })

  it('caps the total supply below the blacklist bit', async () => {
    const call = f.publicClient.simulateContract({
      account: f.deployer.account,
      address: f.token,
      abi: testUsdcAbi,
      functionName: 'mint',
      args: [f.merchant.account.address, 2n ** 255n],
    })
    expect(await revertReason(call)).toBe('TestUSDC: total supply too large')
  })

  it('blocks authorizations while paused and for blacklisted accounts, like USDC', async () => {
    const { timestamp } = await f.publicClient.getBlock()
    const a = {
      from: f.payer.account.address,
      to: f.merchant.account.address,
      value: 1n,
      validAfter: 0n,
      validBefore: timestamp + 600n,
      nonce: keccak256(stringToHex('admin')),
    }
    const signature = await signTransfer(f.payer.account, f.domain, a)
    const settle = () =>
      f.publicClient.simulateContract({
        account: f.facilitator.account,
        address: f.token,
        abi: testUsdcAbi,
        functionName: 'transferWithAuthorization',
        args: [a.from, a.to, a.value, a.validAfter, a.validBefore, a.nonce, signature],
      })
    const admin = (
      functionName: 'pause' | 'unpause' | 'blacklist' | 'unBlacklist',
      args: readonly [Address] | readonly [] = [],
    ) => send(f.deployer, { address: f.token, abi: testUsdcAbi, functionName, args })
    await admin('pause')
    expect(await revertReason(settle())).toBe('Pausable: paused')
    await admin('unpause')
    await admin('blacklist', [a.to])
    expect(await revertReason(settle())).toBe('Blacklistable: account is blacklisted')
    await admin('unBlacklist', [a.to])
    await expect(settle()).resolves.toBeDefined()
    expect(
      await revertReason(
        f.publicClient.simulateContract({
          account: f.payer.account,
          address: f.token,
          abi: testUsdcAbi,
          functionName: 'pause',
        }),
      ),
    ).toBe('TestUSDC: caller is not the owner')
  })
})
