import type { SettlementLedger } from '@tollgate/core'
import { describe, expect, it } from 'vitest'
import { evmFacilitatorDefaults, evmFacilitatorSettings } from './settings.ts'

// The settings read no ledger: an empty object stands in for the port here.
const base = { networks: [], ledger: {} as SettlementLedger }

describe('EVM facilitator settings', () => {
  it('fill every default from the one table', () => {
    const settings = evmFacilitatorSettings(base)
    expect(settings).toEqual({ ...evmFacilitatorDefaults, batch: evmFacilitatorDefaults.batch })
    expect(evmFacilitatorSettings({ ...base, batch: false, leaseMs: 500 })).toMatchObject({
      batch: false,
      leaseMs: 500,
    })
  })

  it('refuse values that would misbehave quietly, naming the option', () => {
    expect(() => evmFacilitatorSettings({ ...base, leaseMs: 0 })).toThrow('leaseMs')
    expect(() => evmFacilitatorSettings({ ...base, receiptTimeoutMs: -1 })).toThrow(
      'receiptTimeoutMs',
    )
    expect(() => evmFacilitatorSettings({ ...base, recoveryIntervalMs: 1.5 })).toThrow(
      'recoveryIntervalMs',
    )
    expect(() => evmFacilitatorSettings({ ...base, batch: { maxSize: 0, maxWaitMs: 0 } })).toThrow(
      'batch.maxSize',
    )
    expect(() => evmFacilitatorSettings({ ...base, transferGasLimit: 20_000n })).toThrow(
      'transferGasLimit',
    )
  })
})
