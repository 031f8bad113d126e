/**
 * Goal: each chain package describes its own networks (names, explorer links, fee coin, how
 * addresses compare), so packages that serve every chain never test a network id themselves.
 */
import { chainOf, withNetworkNames } from '@tollgate/core'
import { evmChain } from '@tollgate/evm'
import { svmChain } from '@tollgate/svm'
import { describe, expect, it } from 'vitest'

const chains = [evmChain, svmChain]
const solanaDevnet = 'solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1'

describe('chain descriptors', () => {
  it('finds the descriptor of a network by its CAIP-2 namespace, and none for others', () => {
    expect(chainOf(chains, 'eip155:8453')).toBe(evmChain)
    expect(chainOf(chains, solanaDevnet)).toBe(svmChain)
    expect(chainOf(chains, 'aptos:1')).toBeUndefined()
  })

  it('names EVM chains and links their explorers; unknown ones by id', () => {
    expect(evmChain.label('eip155:84532')).toBe('Base Sepolia')
    expect(evmChain.transactionUrlTemplate('eip155:1')).toBe(
      'https://etherscan.io/tx/{transaction}',
    )
    expect(evmChain.label('eip155:999999')).toBe('EVM chain 999999')
    expect(evmChain.transactionUrlTemplate('eip155:999999')).toBeUndefined()
    expect(evmChain.transactionUrlTemplate('eip155:31337')).toBeUndefined()
    expect(evmChain.label('eip155:x')).toBe('eip155:x')
    expect(evmChain.feeUnit).toEqual({ symbol: 'ETH', decimals: 18, atomicName: 'wei' })
    expect(
      evmChain.sameAddress(
        '0xAbC0000000000000000000000000000000000001',
        '0xabc0000000000000000000000000000000000001',
      ),
    ).toBe(true)
  })

  it('names Solana clusters and links the explorer with the cluster; base58 is case-sensitive', () => {
    expect(svmChain.label(solanaDevnet)).toBe('Solana devnet')
    expect(svmChain.transactionUrlTemplate(solanaDevnet)).toBe(
      'https://explorer.solana.com/tx/{transaction}?cluster=devnet',
    )
    expect(svmChain.transactionUrlTemplate('solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp')).toBe(
      'https://explorer.solana.com/tx/{transaction}',
    )
    expect(svmChain.label('solana:abcdefghijkl')).toBe('Solana cluster abcdefgh')
    expect(svmChain.feeUnit.atomicName).toBe('lamports')
    expect(svmChain.sameAddress('AbC', 'abc')).toBe(false)
  })

  it('a local devnet renames a network and drops the public explorer it would wrongly link', () => {
    const local = withNetworkNames(svmChain, { [solanaDevnet]: { label: 'Solana (local devnet)' } })
    expect(local.label(solanaDevnet)).toBe('Solana (local devnet)')
    expect(local.transactionUrlTemplate(solanaDevnet)).toBeUndefined()
    expect(local.label('solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp')).toBe('Solana')
    expect(local.namespace).toBe('solana')
  })
})
