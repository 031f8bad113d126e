/**
 * Goal: among the requirements a route offers, the buyer pays with one it can afford, keeps the
 * offered order otherwise, and treats a balance it cannot read as no obstacle. Method: scheme
 * clients whose `balanceOf` answers from a table (or hangs, or throws); no chain.
 */
import type { PaymentRequirements, SchemeClient } from '@tollgate/core'
import { describe, expect, it } from 'vitest'
import { selectRequirements } from './paymentPolicy.ts'

const evm: PaymentRequirements = {
  scheme: 'exact',
  network: 'eip155:84532',
  amount: '1000',
  asset: '0x036CbD53842c5426634e7929541eC2318f3dCF7e',
  payTo: '0x209693Bc6afc0C5328bA36FaF03C514EF312287C',
  maxTimeoutSeconds: 300,
}
const svm: PaymentRequirements = {
  scheme: 'exact',
  network: 'solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1',
  amount: '1000',
  asset: '4zMMC9srt5Ri5X14GAgXhaHii3GnPAEERYPJgZJDncDU',
  payTo: 'Ffa2aLTmZLJZ2WENs2QYbnCi9pm2Wkz9SgTWxcHnTWm8',
  maxTimeoutSeconds: 300,
}

/** What `balanceOf` answers; `'no hook'` leaves it out, as a client without an RPC does. */
type Balance = bigint | undefined | 'hang' | 'throw' | 'no hook'

function scheme(pattern: string, balance: Balance = 'no hook'): SchemeClient {
  const client: SchemeClient = {
    scheme: 'exact',
    networks: [pattern],
    createPayload: () => Promise.reject(new Error('choosing a requirement signs nothing')),
    describeAsset: () => ({ symbol: 'USDC', decimals: 6, usdPegged: true }),
  }
  if (balance === 'no hook') return client
  return {
    ...client,
    balanceOf() {
      if (balance === 'hang') return new Promise<undefined>(() => undefined)
      if (balance === 'throw') return Promise.reject(new Error('rpc down'))
      return Promise.resolve(balance)
    },
  }
}

const chosenNetwork = async (schemes: SchemeClient[], options = {}) => {
  const selection = await selectRequirements([evm, svm], schemes, {}, options)
  return selection.ok ? selection.chosen.requirements.network : selection.reasons
}

describe('selectRequirements with balances', () => {
  it('keeps the offered order when balances are unknown or both suffice', async () => {
    expect(await chosenNetwork([scheme('eip155:*'), scheme('solana:*')])).toBe(evm.network)
    expect(await chosenNetwork([scheme('eip155:*', 5000n), scheme('solana:*', 5000n)])).toBe(
      evm.network,
    )
  })

  it('prefers a requirement the wallet can afford, over one it cannot or cannot tell', async () => {
    expect(await chosenNetwork([scheme('eip155:*', 999n), scheme('solana:*', 1000n)])).toBe(
      svm.network,
    )
    expect(await chosenNetwork([scheme('eip155:*'), scheme('solana:*', 1000n)])).toBe(svm.network)
  })

  it('pays with an unknown balance rather than a known shortfall', async () => {
    expect(await chosenNetwork([scheme('eip155:*', 0n), scheme('solana:*', 'throw')])).toBe(
      svm.network,
    )
    const slow = [scheme('eip155:*', 0n), scheme('solana:*', 'hang')]
    expect(await chosenNetwork(slow, { balanceTimeoutMs: 20 })).toBe(svm.network)
  })

  it('refuses when every balance is known to fall short, saying what is held', async () => {
    expect(await chosenNetwork([scheme('eip155:*', 10n), scheme('solana:*', 0n)])).toEqual([
      'exact on eip155:84532: the wallet holds 0.00001 USDC, the price is 0.001 USDC',
      'exact on solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1: the wallet holds 0 USDC, the price is 0.001 USDC',
    ])
  })

  it('never asks the balance of a requirement the policy refuses', async () => {
    let asked = 0
    const counting: SchemeClient = {
      ...scheme('eip155:*'),
      balanceOf: async () => {
        asked += 1
        return 10n ** 9n
      },
    }
    const selection = await selectRequirements([evm], [counting], { maxPaymentUsd: '$0.0001' })
    expect(selection.ok).toBe(false)
    expect(asked).toBe(0)
  })
})
