/**
 * Goal: TestUSDC enforces EIP-3009 the way USDC v2.2 does, so a facilitator tested against it
 * behaves the same on a real chain. Method: sign authorizations with viem as an x402 client would,
 * submit them (both signature overloads), and push every rule with a payload that breaks only it:
 * replay, both window bounds (exclusive, probed at the exact second with block overrides), the
 * high-s twin, bad v, a zero-recovering signature, the wrong domain, cancellation and `receive`.
 */

import { testUsdcAbi } from '@tollgate/contracts'
import { type Address, parseEventLogs, zeroHash } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  type Authorization,
  highSTwin,
  nonceFor,
  signCancel,
  signReceive,
  signTransfer,
  splitSignature,
  withV,
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

async function now(): Promise<bigint> {
  return (await f.publicClient.getBlock()).timestamp
}

/** A one-hour authorization of 1 USDC from the payer to the merchant. */
async function authorization(label: string, overrides: Partial<Authorization> = {}) {
  return {
    from: f.payer.account.address,
    to: f.merchant.account.address,
    value: 1_000_000n,
    validAfter: 0n,
    validBefore: (await now()) + 3_600n,
    nonce: nonceFor(label),
    ...overrides,
  } satisfies Authorization
}

function transferArgs(a: Authorization, signature: `0x${string}`) {
  return [a.from, a.to, a.value, a.validAfter, a.validBefore, a.nonce, signature] as const
}

/** Simulates transferWithAuthorization (bytes overload) from the facilitator. */
function simulateTransfer(a: Authorization, signature: `0x${string}`, time?: bigint) {
  return f.publicClient.simulateContract({
    account: f.facilitator.account,
    address: f.token,
    abi: testUsdcAbi,
    functionName: 'transferWithAuthorization',
    args: transferArgs(a, signature),
    ...(time !== undefined && { blockOverrides: { time } }),
  })
}

async function balanceOf(address: Address): Promise<bigint> {
  return f.publicClient.readContract({
    address: f.token,
    abi: testUsdcAbi,
    functionName: 'balanceOf',
    args: [address],
  })
}

describe('transferWithAuthorization', () => {
  it('moves the funds, burns the nonce and emits AuthorizationUsed (bytes signature)', async () => {
    const a = await authorization('bytes overload')
    const signature = await signTransfer(f.payer.account, f.domain, a)
    const before = await balanceOf(a.to)
    const hash = await f.facilitator.writeContract({
      address: f.token,
      abi: testUsdcAbi,
      functionName: 'transferWithAuthorization',
      args: transferArgs(a, signature),
    })
    const receipt = await f.publicClient.waitForTransactionReceipt({ hash })
    expect(receipt.status).toBe('success')
    expect((await balanceOf(a.to)) - before).toBe(a.value)
    const [used] = parseEventLogs({
      abi: testUsdcAbi,
      eventName: 'AuthorizationUsed',
      logs: receipt.logs,
    })
    expect(used?.args).toEqual({ authorizer: a.from, nonce: a.nonce })
    const state = await f.publicClient.readContract({
      address: f.token,
      abi: testUsdcAbi,
      functionName: 'authorizationState',
      args: [a.from, a.nonce],
    })
    expect(state).toBe(true)
  })

  it('accepts the split (v, r, s) overload', async () => {
    const a = await authorization('vrs overload')
    const [v, r, s] = splitSignature(await signTransfer(f.payer.account, f.domain, a))
    const before = await balanceOf(a.to)
    const hash = await f.facilitator.writeContract({
      address: f.token,
      abi: testUsdcAbi,
      functionName: 'transferWithAuthorization',
      args: [a.from, a.to, a.value, a.validAfter, a.validBefore, a.nonce, v, r, s],
    })
    expect((await f.publicClient.waitForTransactionReceipt({ hash })).status).toBe('success')
    expect((await balanceOf(a.to)) - before).toBe(a.value)
  })

  it('rejects a replay of a used authorization', async () => {
    const a = await authorization('replay')
    const signature = await signTransfer(f.payer.account, f.domain, a)
    const { request } = await simulateTransfer(a, signature)
    const hash = await f.facilitator.writeContract(request)
    await f.publicClient.waitForTransactionReceipt({ hash })
    expect(await revertReason(simulateTransfer(a, signature))).toBe(
      'EIP3009: authorization is used or canceled',
    )
  })

  it('treats both ends of the validity window as exclusive', async () => {
    const t = (await now()) + 100n
    const a = await authorization('window', { validAfter: t, validBefore: t + 10n })
    const signature = await signTransfer(f.payer.account, f.domain, a)
    const at = (time: bigint) => revertReason(simulateTransfer(a, signature, time))
    expect(await at(t)).toBe('EIP3009: authorization is not yet valid')
    expect(await at(t + 10n)).toBe('EIP3009: authorization is expired')
    await expect(simulateTransfer(a, signature, t + 1n)).resolves.toBeDefined()
    await expect(simulateTransfer(a, signature, t + 9n)).resolves.toBeDefined()
  })

  it('rejects an authorization that is not yet valid or already expired', async () => {
    const future = await authorization('future', { validAfter: (await now()) + 3_600n })
    const futureSignature = await signTransfer(f.payer.account, f.domain, future)
    expect(await revertReason(simulateTransfer(future, futureSignature))).toBe(
      'EIP3009: authorization is not yet valid',
    )
    const past = await authorization('past', { validBefore: (await now()) - 1n })
    const pastSignature = await signTransfer(f.payer.account, f.domain, past)
    expect(await revertReason(simulateTransfer(past, pastSignature))).toBe(
      'EIP3009: authorization is expired',
    )
  })

  it('rejects the high-s twin of a valid signature, with USDC reason', async () => {
    const a = await authorization('high s')
    const signature = await signTransfer(f.payer.account, f.domain, a)
    await expect(simulateTransfer(a, signature)).resolves.toBeDefined()
    expect(await revertReason(simulateTransfer(a, highSTwin(signature)))).toBe(
      "ECRecover: invalid signature 's' value",
    )
  })

  it('rejects v outside {27, 28}, a wrong length and a zero-recovering signature', async () => {
    const a = await authorization('malformed')
    const signature = await signTransfer(f.payer.account, f.domain, a)
    expect(await revertReason(simulateTransfer(a, withV(signature, 29)))).toBe(
      "ECRecover: invalid signature 'v' value",
    )
    expect(await revertReason(simulateTransfer(a, withV(signature, 0)))).toBe(
      "ECRecover: invalid signature 'v' value",
    )
    expect(await revertReason(simulateTransfer(a, `${signature}00`))).toBe(
      'ECRecover: invalid signature length',
    )
    // r = 0 is not a curve point, so ecrecover returns address(0).
    const zeroR = `${zeroHash}${signature.slice(66)}` as const
    expect(await revertReason(simulateTransfer(a, zeroR))).toBe('ECRecover: invalid signature')
  })

  it('rejects a signature made for another domain or by another key', async () => {
    const a = await authorization('domain')
    const cases = [
      await signTransfer(f.payer.account, { ...f.domain, name: 'USDC' }, a),
      await signTransfer(f.payer.account, { ...f.domain, version: '1' }, a),
      await signTransfer(f.payer.account, { ...f.domain, chainId: 8453 }, a),
      await signTransfer(f.payer.account, { ...f.domain, verifyingContract: f.multicall3 }, a),
      await signTransfer(f.stranger.account, f.domain, a),
    ]
    for (const signature of cases) {
      expect(await revertReason(simulateTransfer(a, signature))).toBe('EIP3009: invalid signature')
    }
  })

  it('rejects a value above the payer balance with the ERC-20 reason', async () => {
    const a = await authorization('too much', {
      value: (await balanceOf(f.payer.account.address)) + 1n,
    })
    const signature = await signTransfer(f.payer.account, f.domain, a)
    expect(await revertReason(simulateTransfer(a, signature))).toBe(
      'ERC20: transfer amount exceeds balance',
    )
  })
})

describe('cancelAuthorization', () => {
  it('burns the nonce so the transfer can no longer be settled (bytes overload)', async () => {
    const a = await authorization('cancel bytes')
    const transferSignature = await signTransfer(f.payer.account, f.domain, a)
    const cancel = { authorizer: a.from, nonce: a.nonce }
    const cancelSignature = await signCancel(f.payer.account, f.domain, cancel)
    const hash = await f.facilitator.writeContract({
      address: f.token,
      abi: testUsdcAbi,
      functionName: 'cancelAuthorization',
      args: [cancel.authorizer, cancel.nonce, cancelSignature],
    })
    const receipt = await f.publicClient.waitForTransactionReceipt({ hash })
    const [canceled] = parseEventLogs({
      abi: testUsdcAbi,
      eventName: 'AuthorizationCanceled',
      logs: receipt.logs,
    })
    expect(canceled?.args).toEqual(cancel)
    expect(await revertReason(simulateTransfer(a, transferSignature))).toBe(
      'EIP3009: authorization is used or canceled',
    )
  })

  it('accepts the (v, r, s) overload and rejects a cancellation by another key', async () => {
    const nonce = nonceFor('cancel vrs')
    const authorizer = f.payer.account.address
    const forged = await signCancel(f.stranger.account, f.domain, { authorizer, nonce })
    const [fv, fr, fs] = splitSignature(forged)
    const cancelCall = (v: number, r: `0x${string}`, s: `0x${string}`) =>
      f.publicClient.simulateContract({
        account: f.facilitator.account,
        address: f.token,
        abi: testUsdcAbi,
        functionName: 'cancelAuthorization',
        args: [authorizer, nonce, v, r, s],
      })
    expect(await revertReason(cancelCall(fv, fr, fs))).toBe('EIP3009: invalid signature')
    const [v, r, s] = splitSignature(
      await signCancel(f.payer.account, f.domain, { authorizer, nonce }),
    )
    const { request } = await cancelCall(v, r, s)
    await f.publicClient.waitForTransactionReceipt({
      hash: await f.facilitator.writeContract(request),
    })
    expect(await revertReason(cancelCall(v, r, s))).toBe(
      'EIP3009: authorization is used or canceled',
    )
  })
})

describe('receiveWithAuthorization', () => {
  function simulateReceive(
    a: Authorization,
    signature: `0x${string}`,
    caller: ContractsFixture['payer'],
  ) {
    return f.publicClient.simulateContract({
      account: caller.account,
      address: f.token,
      abi: testUsdcAbi,
      functionName: 'receiveWithAuthorization',
      args: transferArgs(a, signature),
    })
  }

  it('only lets the payee submit it', async () => {
    const a = await authorization('receive')
    const signature = await signReceive(f.payer.account, f.domain, a)
    expect(await revertReason(simulateReceive(a, signature, f.facilitator))).toBe(
      'EIP3009: caller must be the payee',
    )
    const before = await balanceOf(a.to)
    const { request } = await simulateReceive(a, signature, f.merchant)
    await f.publicClient.waitForTransactionReceipt({
      hash: await f.merchant.writeContract(request),
    })
    expect((await balanceOf(a.to)) - before).toBe(a.value)
  })

  it('does not accept a TransferWithAuthorization signature, nor the reverse', async () => {
    const a = await authorization('receive type')
    const transferSignature = await signTransfer(f.payer.account, f.domain, a)
    expect(await revertReason(simulateReceive(a, transferSignature, f.merchant))).toBe(
      'EIP3009: invalid signature',
    )
    const receiveSignature = await signReceive(f.payer.account, f.domain, a)
    expect(await revertReason(simulateTransfer(a, receiveSignature))).toBe(
      'EIP3009: invalid signature',
    )
  })

  it('accepts the (v, r, s) overload', async () => {
    const a = await authorization('receive vrs')
    const [v, r, s] = splitSignature(await signReceive(f.payer.account, f.domain, a))
    const { request } = await f.publicClient.simulateContract({
      account: f.merchant.account,
      address: f.token,
      abi: testUsdcAbi,
      functionName: 'receiveWithAuthorization',
      args: [a.from, a.to, a.value, a.validAfter, a.validBefore, a.nonce, v, r, s],
    })
    const hash = await f.merchant.writeContract(request)
    expect((await f.publicClient.waitForTransactionReceipt({ hash })).status).toBe('success')
  })
})
