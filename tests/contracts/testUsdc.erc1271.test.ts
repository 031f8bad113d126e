/**
 * Goal: signatures on behalf of a contract go through ERC-1271 and only ERC-1271, as in USDC v2.2.
 * Method: a TestSmartWallet owned by the payer holds test USDC; its owner signs authorizations with
 * `from` = wallet. Valid owner signatures settle (both overloads); a stranger's signature, a
 * malformed one, and a "signer" contract that does not implement ERC-1271 are all rejected.
 */

import { testSmartWalletAbi, testUsdcAbi } from '@tollgate/contracts'
import { type Address, encodeFunctionData, hashTypedData } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  type Authorization,
  highSTwin,
  nonceFor,
  signTransfer,
  splitSignature,
  TRANSFER_TYPES,
} from './support/eip712.ts'
import { type ContractsFixture, startContractsFixture } from './support/fixture.ts'
import { revertReason } from './support/revert.ts'

let f: ContractsFixture

beforeAll(async () => {
  f = await startContractsFixture()
})

afterAll(async () => {
  await f?.stop()
})

async function walletAuthorization(label: string, from: Address = f.smartWallet) {
  const { timestamp } = await f.publicClient.getBlock()
  return {
    from,
    to: f.merchant.account.address,
    value: 250_000n,
    validAfter: 0n,
    validBefore: timestamp + 3_600n,
    nonce: nonceFor(label),
  } satisfies Authorization
}

function simulateTransfer(a: Authorization, signature: `0x${string}`) {
  return f.publicClient.simulateContract({
    account: f.facilitator.account,
    address: f.token,
    abi: testUsdcAbi,
    functionName: 'transferWithAuthorization',
    args: [a.from, a.to, a.value, a.validAfter, a.validBefore, a.nonce, signature],
  })
}

function balanceOf(address: Address) {
  return f.publicClient.readContract({
    address: f.token,
    abi: testUsdcAbi,
    functionName: 'balanceOf',
    args: [address],
  })
}

describe('TestSmartWallet.isValidSignature', () => {
  it('answers the magic value only for the owner signature of the exact hash', async () => {
    const a = await walletAuthorization('wallet direct')
    const digest = hashTypedData({
      domain: f.domain,
      types: TRANSFER_TYPES,
      primaryType: 'TransferWithAuthorization',
      message: a,
    })
    const isValid = (hash: `0x${string}`, signature: `0x${string}`) =>
      f.publicClient.readContract({
        address: f.smartWallet,
        abi: testSmartWalletAbi,
        functionName: 'isValidSignature',
        args: [hash, signature],
      })
    const signature = await signTransfer(f.payer.account, f.domain, a)
    expect(await isValid(digest, signature)).toBe('0x1626ba7e')
    expect(await isValid(digest, await signTransfer(f.stranger.account, f.domain, a))).toBe(
      '0xffffffff',
    )
    expect(await isValid(digest, highSTwin(signature))).toBe('0xffffffff')
    expect(await isValid(digest, '0x1234')).toBe('0xffffffff')
  })
})

describe('TestUSDC with an ERC-1271 signer', () => {
  it('settles an authorization signed by the wallet owner (bytes overload)', async () => {
    const a = await walletAuthorization('wallet bytes')
    const signature = await signTransfer(f.payer.account, f.domain, a)
    const before = await balanceOf(f.smartWallet)
    const { request } = await simulateTransfer(a, signature)
    const hash = await f.facilitator.writeContract(request)
    expect((await f.publicClient.waitForTransactionReceipt({ hash })).status).toBe('success')
    expect(before - (await balanceOf(f.smartWallet))).toBe(a.value)
  })

  it('settles through the (v, r, s) overload too', async () => {
    const a = await walletAuthorization('wallet vrs')
    const [v, r, s] = splitSignature(await signTransfer(f.payer.account, f.domain, a))
    const { request } = await f.publicClient.simulateContract({
      account: f.facilitator.account,
      address: f.token,
      abi: testUsdcAbi,
      functionName: 'transferWithAuthorization',
      args: [a.from, a.to, a.value, a.validAfter, a.validBefore, a.nonce, v, r, s],
    })
    const hash = await f.facilitator.writeContract(request)
    expect((await f.publicClient.waitForTransactionReceipt({ hash })).status).toBe('success')
  })

  it('rejects a stranger signature and a malformed one without an ECDSA revert', async () => {
    const a = await walletAuthorization('wallet invalid')
    const stranger = await signTransfer(f.stranger.account, f.domain, a)
    expect(await revertReason(simulateTransfer(a, stranger))).toBe('EIP3009: invalid signature')
    // For a contract signer the token never runs its own ECDSA checks, so a high-s signature is
    // "invalid signature" (the wallet's verdict), not the ECRecover 's' value reason.
    const twin = highSTwin(await signTransfer(f.payer.account, f.domain, a))
    expect(await revertReason(simulateTransfer(a, twin))).toBe('EIP3009: invalid signature')
  })

  it('rejects a signer contract without ERC-1271, even with an EOA-looking signature', async () => {
    // Multicall3 has no isValidSignature and no fallback: the staticcall fails, so invalid.
    const a = await walletAuthorization('no 1271', f.multicall3)
    const signature = await signTransfer(f.payer.account, f.domain, a)
    expect(await revertReason(simulateTransfer(a, signature))).toBe('EIP3009: invalid signature')
  })

  it('lets only the wallet owner move the wallet funds with execute', async () => {
    const data = encodeFunctionData({
      abi: testUsdcAbi,
      functionName: 'transfer',
      args: [f.merchant.account.address, 1n],
    })
    const execute = (caller: ContractsFixture['payer']) =>
      f.publicClient.simulateContract({
        account: caller.account,
        address: f.smartWallet,
        abi: testSmartWalletAbi,
        functionName: 'execute',
        args: [f.token, 0n, data],
      })
    expect(await revertReason(execute(f.stranger))).toBe('TestSmartWallet: caller is not the owner')
    const { request } = await execute(f.payer)
    const hash = await f.payer.writeContract(request)
    expect((await f.publicClient.waitForTransactionReceipt({ hash })).status).toBe('success')
  })
})
