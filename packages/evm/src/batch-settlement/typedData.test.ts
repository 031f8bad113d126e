/**
 * Goal: our channel ids, voucher digests and deposit nonces are the ones the canonical escrow
 * and the official @x402/evm 2.27 compute (the published test vectors), and a voucher's signer
 * is judged by recovery alone.
 */
import { computeChannelId } from '@x402/evm/batch-settlement/client'
import { privateKeyToAccount } from 'viem/accounts'
import { describe, expect, it } from 'vitest'
import { voucherTypes } from './constants.ts'
import {
  batchSettlementDomain,
  channelIdOf,
  depositNonceOf,
  signVoucher,
  voucherDigest,
  voucherSignedByAuthorizer,
} from './typedData.ts'

const config = {
  payer: '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266',
  payerAuthorizer: '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266',
  receiver: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8',
  receiverAuthorizer: '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC',
  token: '0x036CbD53842c5426634e7929541eC2318f3dCF7e',
  withdrawDelay: 900,
  salt: `0x${'00'.repeat(32)}`,
}
const anvil0 = privateKeyToAccount(
  '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80',
)

describe('batch-settlement typed data', () => {
  it('matches the published vectors on chain 31337 and 84532', () => {
    const id = channelIdOf(config, 31337)
    expect(id).toBe('0xb6593707755f39d506654c82c56f5780e9c57bff675508b04d334e57f0ef2358')
    expect(voucherDigest(id, 1000n, 31337)).toBe(
      '0xe128ea3230613bd54378401df258c3ea08becb7b4543bd541911feeae5f066d6',
    )
    expect(depositNonceOf(id, `0x${'00'.repeat(31)}01`)).toBe(
      '0xdecd0f05e653d59852d7e07cfac6da6c00ccb6a89588ced62ce7cc27f23377b5',
    )
    const base = channelIdOf(config, 84532)
    expect(base).toBe('0x29ccd7626a1289e60f2284c95763b20cf4a944f591a4f613133e6cf22eb9196d')
    expect(voucherDigest(base, 1000n, 84532)).toBe(
      '0xbeb0e53efa76256c494cc2640bca70e7002e826b27091240a3af90066a676366',
    )
  })

  it('agrees with the official computeChannelId for another config', () => {
    const other = { ...config, salt: `0x${'ab'.repeat(32)}`, withdrawDelay: 86_400 }
    expect(channelIdOf(other, 8453)).toBe(computeChannelId(other as never, 'eip155:8453'))
  })

  it('accepts a voucher signed by the authorizer and refuses any change to it', async () => {
    const id = channelIdOf(config, 31337)
    const signature = await signVoucher(anvil0, id, 5000n, 31337)
    expect(await voucherSignedByAuthorizer(config, id, 5000n, signature, 31337)).toBe(true)
    expect(await voucherSignedByAuthorizer(config, id, 5001n, signature, 31337)).toBe(false)
    expect(await voucherSignedByAuthorizer(config, id, 5000n, signature, 84532)).toBe(false)
    expect(await voucherSignedByAuthorizer(config, id, 5000n, '0x1234', 31337)).toBe(false)
    const noAuthorizer = { ...config, payerAuthorizer: `0x${'00'.repeat(20)}` }
    expect(await voucherSignedByAuthorizer(noAuthorizer, id, 5000n, signature, 31337)).toBe(
      undefined,
    )
  })
})

describe('recoverSigner', () => {
  it('recovers like viem and refuses what the escrow refuses: high s, v not 27 or 28, bad length', async () => {
    const { recoverSigner, nativeRecovery } = await import('./recoverSigner.ts')
    const { recoverAddress } = await import('viem')
    expect(typeof nativeRecovery).toBe('boolean')
    const id = channelIdOf(config, 31337)
    for (let max = 1n; max <= 20n; max++) {
      const signature = await signVoucher(anvil0, id, max, 31337)
      const digest = voucherDigest(id, max, 31337)
      expect(await recoverSigner(digest, signature)).toBe(
        (await recoverAddress({ hash: digest, signature })).toLowerCase(),
      )
    }
    const signature = await signVoucher(anvil0, id, 7n, 31337)
    const digest = voucherDigest(id, 7n, 31337)
    const n = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n
    const s = BigInt(`0x${signature.slice(66, 130)}`)
    const v = Number.parseInt(signature.slice(130), 16)
    const twin =
      `${signature.slice(0, 66)}${(n - s).toString(16).padStart(64, '0')}${(v === 27 ? 28 : 27).toString(16)}` as `0x${string}`
    expect(await recoverAddress({ hash: digest, signature: twin })).toBe(anvil0.address)
    expect(await recoverSigner(digest, twin)).toBeUndefined()
    expect(
      await recoverSigner(digest, `${signature.slice(0, 130)}01` as `0x${string}`),
    ).toBeUndefined()
    expect(await recoverSigner(digest, signature.slice(0, 100) as `0x${string}`)).toBeUndefined()
  })
})

describe('voucherDigest', () => {
  it('packs the voucher by hand into the digest viem computes from the typed data', async () => {
    const { hashTypedData } = await import('viem')
    const { keccakReady } = await import('./keccak.ts')
    await keccakReady
    const id = channelIdOf(config, 31337)
    const amounts = [0n, 1n, 255n, 256n, 10n ** 18n, 2n ** 128n - 1n]
    for (const amount of amounts) {
      expect(voucherDigest(id, amount, 31337)).toBe(
        hashTypedData({
          domain: batchSettlementDomain(31337),
          types: voucherTypes,
          primaryType: 'Voucher',
          message: { channelId: id, maxClaimableAmount: amount },
        }),
      )
    }
    expect(() => voucherDigest(id, 2n ** 128n, 31337)).toThrow(RangeError)
    expect(() => voucherDigest(id, -1n, 31337)).toThrow(RangeError)
  })

  it('hashes with WebAssembly Keccak exactly as viem does, for any length', async () => {
    const { keccak256 } = await import('viem')
    const { keccakBytes, keccakReady } = await import('./keccak.ts')
    await keccakReady
    for (let length = 0; length < 300; length += 7) {
      const data = Uint8Array.from({ length }, (_, index) => (index * 31 + length) & 0xff)
      expect(Buffer.from(keccakBytes(data)).toString('hex')).toBe(keccak256(data).slice(2))
    }
  })
})
