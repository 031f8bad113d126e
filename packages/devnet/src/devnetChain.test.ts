/**
 * Goal: devnet chain objects point viem at the local node and our Multicall3, never at a public
 * network. Method: build both variants and inspect the fields viem reads.
 */
import { baseSepolia } from 'viem/chains'
import { describe, expect, it } from 'vitest'
import { devnetChain } from './devnetChain.ts'

const RPC_URL = 'http://127.0.0.1:8545'
const MULTICALL = '0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512'

describe('devnetChain', () => {
  it('describes an arbitrary chain id as the Tollgate devnet', () => {
    const chain = devnetChain(31337, RPC_URL, MULTICALL)
    expect(chain.id).toBe(31337)
    expect(chain.name).toBe('Tollgate devnet')
    expect(chain.rpcUrls.default.http).toEqual([RPC_URL])
    expect(chain.contracts?.multicall3?.address).toBe(MULTICALL)
    expect(chain.testnet).toBe(true)
  })

  it('keeps Base Sepolia metadata for 84532 but swaps RPC, Multicall3 and explorers', () => {
    const chain = devnetChain(84532, RPC_URL, MULTICALL)
    expect(chain.id).toBe(84532)
    expect(chain.name).toBe('Base Sepolia (Tollgate devnet)')
    expect(chain.nativeCurrency).toEqual(baseSepolia.nativeCurrency)
    expect(chain.formatters).toBe(baseSepolia.formatters)
    expect(chain.rpcUrls).toEqual({ default: { http: [RPC_URL] } })
    expect(chain.contracts?.multicall3).toEqual({ address: MULTICALL })
    expect(chain.blockExplorers).toBeUndefined()
    expect(chain.blockTime).toBeUndefined()
  })
})
