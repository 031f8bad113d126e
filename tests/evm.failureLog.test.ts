/**
 * The EVM facilitator's background work fails loudly: a recovery loop that cannot reach its
 * chain says so once (not once a second), and says so again when it recovers.
 */
import { exactEvmFacilitator } from '@tollgate/evm'
import { openLedger, type SqlLedger } from '@tollgate/ledger'
import { listen } from 'tollgate'
import { createPublicClient, http } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { waitFor } from './support/cli.ts'

let ledger: SqlLedger
beforeAll(async () => {
  ledger = await openLedger()
})
afterAll(() => ledger?.close())

async function closedPort(): Promise<number> {
  const probe = await listen({ fetch: () => new Response() }, 0)
  await probe.close()
  return probe.port
}

describe('EVM facilitator failures', () => {
  it('logs an unreachable chain once per outage, naming the network and the cause', async () => {
    const lines: Array<{ fields: Record<string, unknown>; message: string }> = []
    const rpcUrl = `http://127.0.0.1:${await closedPort()}`
    const facilitator = exactEvmFacilitator({
      ledger,
      networks: [
        {
          network: 'eip155:31337',
          client: createPublicClient({ transport: http(rpcUrl, { retryCount: 0 }) }),
          signers: [privateKeyToAccount(`0x${'11'.repeat(32)}`)],
          assets: [],
        },
      ],
      recoveryIntervalMs: 20,
      logger: { warn: (fields, message) => lines.push({ fields, message }) },
    })
    await facilitator.start()
    try {
      await waitFor(() => lines.length > 0, 'a logged failure', 5_000)
      // Many passes later, still one line for the same outage.
      await new Promise((resolve) => setTimeout(resolve, 300))
      const binding = lines.filter((line) => line.message.startsWith('binding the ledger'))
      expect(binding).toHaveLength(1)
      expect(binding[0]!.fields.network).toBe('eip155:31337')
      expect(String(binding[0]!.fields.err)).toMatch(
        /fetch failed|HTTP request failed|ECONNREFUSED/,
      )
    } finally {
      await facilitator.stop()
    }
  })
})
