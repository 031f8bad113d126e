import type { NewPayment } from '@tollgate/core'
import { openLedger, type SqlLedger } from '@tollgate/ledger'
import { postgresUrl, requireService, uniqueSchema } from './services.ts'

/** The requirements every fixture payment is for. */
export const fixtureRequirements = {
  scheme: 'exact',
  network: 'eip155:31337',
  amount: '1000',
  asset: '0xasset',
  payTo: '0xpayee',
  maxTimeoutSeconds: 60,
}

/** A payment as the facilitator hands it to the ledger, for ledger tests that need no chain. */
export function fixturePayment(key: string, overrides: Partial<NewPayment> = {}): NewPayment {
  return {
    key,
    payloadHash: `hash-${key}`,
    network: 'eip155:31337',
    scheme: 'exact',
    payer: '0xpayer',
    payTo: '0xpayee',
    asset: '0xasset',
    amount: '1000',
    payment: {
      paymentPayload: { x402Version: 2, accepted: fixtureRequirements, payload: { key } },
      paymentRequirements: fixtureRequirements,
    },
    ...overrides,
  }
}

/** The two ledger engines, embedded PGlite and the PostgreSQL server, each in a schema of its own. */
export async function ledgerEngines(
  schemaPrefix: string,
): Promise<Array<[string, boolean, () => Promise<SqlLedger>]>> {
  const postgresAvailable = await requireService('postgres')
  return [
    ['PGlite', true, () => openLedger()],
    [
      'PostgreSQL',
      postgresAvailable,
      () => openLedger({ databaseUrl: postgresUrl, schema: uniqueSchema(schemaPrefix) }),
    ],
  ]
}
