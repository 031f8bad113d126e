import fc from 'fast-check'
import {
  keccak256,
  parseTransaction,
  recoverTransactionAddress,
  type TransactionSerializedEIP1559,
} from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { describe, expect, it } from 'vitest'
import { nativeSigning, settlementAccount, signSettlement } from './nativeSigner.ts'

describe('settlement accounts', () => {
  it('sign natively where the addon is installed (it is here)', () => {
    expect(nativeSigning).toBe(true)
  })

  it('sign the same bytes as viem, for any key and transaction', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          nonce: fc.nat({ max: 2 ** 31 }),
          chainId: fc.integer({ min: 1, max: 2 ** 31 }),
          gas: fc.bigInt({ min: 21_000n, max: 30_000_000n }),
          maxFeePerGas: fc.bigInt({ min: 1n, max: 10n ** 12n }),
          tip: fc.bigInt({ min: 0n, max: 10n ** 9n }),
          data: fc.uint8Array({ maxLength: 200 }),
        }),
        async (fields) => {
          const key = generatePrivateKey()
          const transaction = {
            type: 'eip1559' as const,
            chainId: fields.chainId,
            nonce: fields.nonce,
            to: privateKeyToAccount(generatePrivateKey()).address,
            value: 0n,
            gas: fields.gas,
            maxFeePerGas: fields.maxFeePerGas,
            maxPriorityFeePerGas: fields.tip % (fields.maxFeePerGas + 1n),
            data: `0x${Buffer.from(fields.data).toString('hex')}` as const,
          }
          const account = settlementAccount(key)
          const native = await signSettlement(account, transaction)
          expect(native).toBe(await privateKeyToAccount(key).signTransaction(transaction))
          expect(
            await recoverTransactionAddress({
              serializedTransaction: native as TransactionSerializedEIP1559,
            }),
          ).toBe(account.address)
          expect(parseTransaction(native).nonce).toBe(fields.nonce)
          expect(keccak256(native)).toMatch(/^0x[0-9a-f]{64}$/)
        },
      ),
      { numRuns: 60 },
    )
  })

  it('sign the same bytes as viem for calldata of any RLP length and signatures with leading zeros', async () => {
    const key = generatePrivateKey()
    const account = settlementAccount(key)
    const reference = privateKeyToAccount(key)
    const base = {
      type: 'eip1559' as const,
      chainId: 8453,
      to: reference.address,
      value: 0n,
      gas: 5_000_000n,
      maxFeePerGas: 10n ** 9n,
      maxPriorityFeePerGas: 0n,
    }
    // 55 and 56 bytes straddle RLP's short and long strings; 70,000 needs a three-byte length.
    for (const [nonce, size] of [
      [0, 0],
      [1, 1],
      [2, 55],
      [3, 56],
      [4, 256],
      [5, 70_000],
    ] as const) {
      const data = `0x${Buffer.alloc(size, 0x7f).toString('hex')}` as const
      const transaction = { ...base, nonce, data }
      expect(await signSettlement(account, transaction)).toBe(
        await reference.signTransaction(transaction),
      )
    }
    // About one signature in 128 has an r or s whose first byte is zero: RLP drops it.
    let leadingZeros = 0
    for (let nonce = 0; leadingZeros < 2 && nonce < 5_000; nonce++) {
      const transaction = { ...base, nonce, data: '0x' as const }
      const signed = await signSettlement(account, transaction)
      const { r, s } = parseTransaction(signed)
      if (r!.length < 66 || s!.length < 66 || /^0x00/.test(r!) || /^0x00/.test(s!)) {
        leadingZeros++
        expect(signed).toBe(await reference.signTransaction(transaction))
      }
    }
    expect(leadingZeros).toBe(2)
  })

  it('leave accounts made elsewhere to sign themselves', async () => {
    const account = privateKeyToAccount(generatePrivateKey())
    const transaction = {
      type: 'eip1559' as const,
      chainId: 8453,
      nonce: 1,
      to: account.address,
      value: 0n,
      gas: 21_000n,
      maxFeePerGas: 2n,
      maxPriorityFeePerGas: 1n,
    }
    expect(await signSettlement(account, transaction)).toBe(
      await account.signTransaction(transaction),
    )
  })
})
