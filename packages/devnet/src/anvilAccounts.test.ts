/**
 * Goal: the hard-coded anvil keys are exactly what anvil derives from its default mnemonic.
 * Method: derive accounts 0..9 with viem's BIP-32 implementation and compare both key and address.
 */
import { mnemonicToAccount } from 'viem/accounts'
import { describe, expect, it } from 'vitest'
import { ANVIL_ACCOUNTS, ANVIL_MNEMONIC, anvilAccount, DEVNET_ROLES } from './anvilAccounts.ts'
import { isDevnetError } from './errors.ts'

describe('ANVIL_ACCOUNTS', () => {
  it('match the derivation of the default mnemonic on m/44/60/0/0/i', () => {
    ANVIL_ACCOUNTS.forEach((account, index) => {
      const derived = mnemonicToAccount(ANVIL_MNEMONIC, { addressIndex: index })
      const key = derived.getHdKey().privateKey
      expect(key && Buffer.from(key).toString('hex')).toBe(account.privateKey.slice(2))
      expect(derived.address).toBe(account.address)
      expect(anvilAccount(index).address).toBe(account.address)
    })
  })

  it('give each devnet role its own account', () => {
    expect(DEVNET_ROLES).toEqual({ deployer: 0, facilitator: 1, payer: 2, merchant: 3 })
    expect(new Set(Object.values(DEVNET_ROLES)).size).toBe(4)
  })

  it('reject an index outside 0..9', () => {
    for (const index of [-1, 10, 1.5]) {
      expect(() => anvilAccount(index)).toThrow(/index must be an integer in \[0, 9\]/)
      try {
        anvilAccount(index)
      } catch (error) {
        expect(isDevnetError(error, 'INVALID_OPTIONS')).toBe(true)
      }
    }
  })
})
