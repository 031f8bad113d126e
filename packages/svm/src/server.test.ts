/**
 * Goal: the seller's requirements are the reference's: USDC atomic units for a dollar price,
 * custom mints as given, and the facilitator's fee payer merged from its `/supported` kind.
 */
import { isTollgateError, solanaNetworks } from '@tollgate/core'
import { describe, expect, it } from 'vitest'
import { exactSvmServer } from './server.ts'

const payTo = 'CKPKJWNdJEqa81x7CkZ14BVPiY6y16Sxs7owznqtWYp5'
const custom = 'So11111111111111111111111111111111111111112'

describe('exactSvmServer', () => {
  it('prices dollars in the network USDC', () => {
    const server = exactSvmServer()
    expect(
      server.buildRequirements({
        network: solanaNetworks.devnet,
        price: '$0.01',
        payTo,
        maxTimeoutSeconds: 60,
      }),
    ).toEqual({
      scheme: 'exact',
      network: solanaNetworks.devnet,
      amount: '10000',
      asset: '4zMMC9srt5Ri5X14GAgXhaHii3GnPAEERYPJgZJDncDU',
      payTo,
      maxTimeoutSeconds: 60,
    })
    expect(
      server.buildRequirements({
        network: solanaNetworks.mainnet,
        price: 1.5,
        payTo,
        maxTimeoutSeconds: 60,
      }),
    ).toMatchObject({ amount: '1500000', asset: 'EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v' })
  })

  it('takes a configured asset for a custom network, and explicit amounts with a memo', () => {
    const server = exactSvmServer({
      assets: { 'solana:local': { address: custom, decimals: 9, symbol: 'wSOL' } },
    })
    const built = server.buildRequirements({
      network: 'solana:local',
      price: '$2',
      payTo,
      maxTimeoutSeconds: 30,
    })
    expect(built).toMatchObject({ amount: '2000000000', asset: custom })
    expect(server.assetDecimals('solana:local', custom)).toBe(9)
    const explicit = server.buildRequirements({
      network: 'solana:local',
      price: { amount: '42', asset: custom, extra: { memo: 'order 9' } },
      payTo,
      maxTimeoutSeconds: 30,
    })
    expect(explicit).toMatchObject({ amount: '42', extra: { memo: 'order 9' } })
  })

  it('merges the fee payer of the facilitator kind', () => {
    const server = exactSvmServer()
    const built = server.buildRequirements({
      network: solanaNetworks.devnet,
      price: '$0.01',
      payTo,
      maxTimeoutSeconds: 60,
    })
    const kind = { x402Version: 2, scheme: 'exact', network: solanaNetworks.devnet }
    expect(server.enhanceRequirements?.(built, { ...kind, extra: { feePayer: payTo } })).toEqual({
      ...built,
      extra: { feePayer: payTo },
    })
    expect(server.enhanceRequirements?.(built, kind)).toEqual(built)
  })

  it.each([
    [{ network: 'eip155:8453' }, 'NETWORK_UNSUPPORTED'],
    [{ payTo: '0x1234' }, 'REQUIREMENTS_MALFORMED'],
    [{ network: 'solana:unknown' }, 'ASSET_NOT_ALLOWED'],
    [{ price: { amount: '18446744073709551616', asset: custom } }, 'REQUIREMENTS_MALFORMED'],
    [
      { price: { amount: '1', asset: custom, extra: { memo: 'x'.repeat(257) } } },
      'REQUIREMENTS_MALFORMED',
    ],
  ] as const)('refuses %j', (change, code) => {
    const input = {
      network: solanaNetworks.devnet,
      price: '$0.01',
      payTo,
      maxTimeoutSeconds: 60,
      ...change,
    }
    let error: unknown
    try {
      exactSvmServer().buildRequirements(input)
    } catch (failure) {
      error = failure
    }
    expect(isTollgateError(error, code)).toBe(true)
  })
})
