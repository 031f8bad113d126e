/**
 * Goal: startAnvil rejects impossible options before spawning anything, and passes every
 * chain-shaping setting to anvil explicitly. Method: resolve settings from edge-case options.
 */
import { describe, expect, it } from 'vitest'
import { ANVIL_MNEMONIC } from './anvilAccounts.ts'
import { anvilArguments, resolveAnvilSettings } from './anvilArguments.ts'

describe('resolveAnvilSettings', () => {
  it('fills in defaults and pins mnemonic, accounts and hardfork on the command line', () => {
    const settings = resolveAnvilSettings({})
    expect(settings).toMatchObject({ port: 0, chainId: 31337, accounts: 10, host: '127.0.0.1' })
    expect(anvilArguments(settings)).toEqual([
      '--host',
      '127.0.0.1',
      '--port',
      '0',
      '--chain-id',
      '31337',
      '--mnemonic',
      ANVIL_MNEMONIC,
      '--accounts',
      '10',
      '--hardfork',
      'prague',
      '--color',
      'never',
    ])
  })

  it('passes a block time through', () => {
    const args = anvilArguments(resolveAnvilSettings({ blockTime: 0.5 }))
    expect(args.slice(-2)).toEqual(['--block-time', '0.5'])
  })

  it('keeps only the recent states it is asked to, in memory', () => {
    const args = anvilArguments(resolveAnvilSettings({ statesKept: 128 }))
    expect(args.slice(-2)).toEqual(['--prune-history', '128'])
  })

  it.each([
    [{ statesKept: 0 }, /statesKept must be an integer/],
    [{ port: 65_536 }, /port must be an integer/],
    [{ port: -1 }, /port must be an integer/],
    [{ chainId: 0 }, /chainId must be an integer/],
    [{ chainId: 1.5 }, /chainId must be an integer/],
    [{ accounts: 0 }, /accounts must be an integer/],
    [{ blockTime: 0 }, /blockTime must be a positive number/],
    [{ blockTime: Number.NaN }, /blockTime must be a positive number/],
    [{ startTimeoutMs: 0 }, /startTimeoutMs must be an integer/],
    [{ mnemonic: 'too short' }, /mnemonic must have at least 12 words/],
  ])('rejects %o', (options, message) => {
    expect(() => resolveAnvilSettings(options)).toThrow(message)
  })
})
