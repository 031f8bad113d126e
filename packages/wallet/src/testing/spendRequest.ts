import type { SpendRequest } from '../spendBook.ts'

/** A $0.01 USDC payment on Base to a fixed payee, for the store's tests. */
export const spendRequest = (overrides: Partial<SpendRequest> = {}): SpendRequest => ({
  url: 'https://api.example.com/weather',
  host: 'api.example.com',
  network: 'eip155:8453',
  asset: '0x833589fcd6edb6e08f4c7c32d4f71b54bda02913',
  payTo: '0x209693bc6afc0c5328ba36faf03c514ef312287c',
  amount: 10_000n,
  decimals: 6,
  usdMicros: 10_000n,
  validForSeconds: 300,
  ...overrides,
})
