import { privateKeyToAccount } from 'viem/accounts'
import { describe, expect, it } from 'vitest'
import { exactEvmClient } from './client.ts'

const signer = privateKeyToAccount(`0x${'11'.repeat(32)}`)
const circleUsdc = '0x036CbD53842c5426634e7929541eC2318f3dCF7e'
const testToken = {
  address: '0x5FbDB2315678afecb367f032d93F642f64180aa3',
  name: 'USD Coin',
  version: '2',
  decimals: 6,
  symbol: 'USDC',
} as const

describe('exactEvmClient assets', () => {
  it("adds a devnet token on Base Sepolia's id beside Circle's USDC, not instead of it", () => {
    const client = exactEvmClient({ signer, assets: { 'eip155:84532': testToken } })
    expect(client.describeAsset('eip155:84532', testToken.address)?.symbol).toBe('USDC')
    expect(client.describeAsset('eip155:84532', circleUsdc.toLowerCase())).toEqual({
      symbol: 'USDC',
      decimals: 6,
      usdPegged: true,
    })
    expect(client.describeAsset('eip155:84532', `0x${'22'.repeat(20)}`)).toBeUndefined()
  })

  it('takes a list of assets for one network', () => {
    const other = {
      ...testToken,
      address: `0x${'33'.repeat(20)}`,
      symbol: 'EURC',
      name: 'EURC',
    } as const
    const client = exactEvmClient({ signer, assets: { 'eip155:31337': [testToken, other] } })
    expect(client.describeAsset('eip155:31337', other.address)).toEqual({
      symbol: 'EURC',
      decimals: 6,
      usdPegged: false,
    })
    expect(client.describeAsset('eip155:31337', testToken.address)?.usdPegged).toBe(true)
  })
})
