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
