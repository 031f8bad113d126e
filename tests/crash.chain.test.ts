/**
 * kill -9 of the facilitator at each step of a settlement, then a restart on the same ledger:
 * every payment ends settled exactly once, and the client's retry gets the original outcome.
 */
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ANVIL_ACCOUNTS } from '@tollgate/devnet'
import { eip3009Abi, type SettlementStep } from '@tollgate/evm'
import { openLedger } from '@tollgate/ledger'
import { type DevStack, listen, rpcClient } from 'tollgate'
import { erc20Abi, type Hex, parseEventLogs } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { spawnFacilitator } from './support/spawnFacilitator.ts'
import {
  facilitatorBody,
  signPayment,
  startTestStack,
  weatherRequirements,
} from './support/stack.ts'

let stack: DevStack

beforeAll(async () => {
  stack = await startTestStack()
})
afterAll(() => stack?.stop())

async function freePort(): Promise<number> {
  const probe = await listen({ fetch: () => new Response() }, 0)
  await probe.close()
  return probe.port
}

const steps: SettlementStep[] = [
  'after-persist',
  'after-broadcast',
  'after-receipt',
  'before-respond',
  'after-respond',
]

describe('kill -9 during settlement', () => {
  it.each(steps)(
    '%s: the restarted facilitator finishes the payment once and answers the retry',
    async (step) => {
      const { manifest } = stack
      const signer = ANVIL_ACCOUNTS[6]
      const client = rpcClient(manifest.rpcUrl)
      const dataDir = await mkdtemp(join(tmpdir(), `tollgate-crash-${step}-`))
      const config = {
        rpcUrl: manifest.rpcUrl,
        network: manifest.network,
        signerKey: signer.privateKey,
        asset: manifest.asset,
        multicall3: manifest.multicall3,
        ledger: { dataDir },
        port: await freePort(),
      }
      const requirements = weatherRequirements(manifest)
      const payload = await signPayment(manifest, requirements)
      const body = JSON.stringify(facilitatorBody(payload, requirements))
      const settle = (url: string) =>
        fetch(`${url}/settle`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
        })
      const nonceBefore = await client.getTransactionCount({ address: signer.address })

      const doomed = await spawnFacilitator({ ...config, crashAt: step })
      // Killed once its answer is out: the caller has it, the ledger has not recorded it.
      const answered =
        step === 'after-respond'
          ? await (await settle(doomed.url)).json()
          : await settle(doomed.url).then(
              () => 'answered',
              () => undefined,
            )
      if (step === 'after-respond') expect(answered).toMatchObject({ success: true })
      else expect(answered).toBeUndefined()
      expect(await doomed.exited).toBe('SIGKILL')

      const restarted = await spawnFacilitator(config)
      try {
        const retry = await (await settle(restarted.url)).json()
        expect(retry).toMatchObject({
          success: true,
          network: manifest.network,
          payer: manifest.accounts.payer.address,
        })
        if (step === 'after-respond') expect(retry.transaction).toBe(answered.transaction)
        const receipt = await client.getTransactionReceipt({ hash: retry.transaction as Hex })
        expect(receipt.status).toBe('success')
        // One transaction from the facilitator's wallet, one transfer for this authorization.
        expect(await client.getTransactionCount({ address: signer.address })).toBe(nonceBefore + 1)
        const nonce = (payload.payload.authorization as { nonce: Hex }).nonce
        const used = parseEventLogs({
          abi: eip3009Abi,
          eventName: 'AuthorizationUsed',
          logs: await client.getLogs({ address: manifest.asset.address, fromBlock: 0n }),
        }).filter((log) => log.args.nonce === nonce)
        expect(used).toHaveLength(1)
        expect(used[0]!.transactionHash).toBe(retry.transaction)
        const transfers = parseEventLogs({
          abi: erc20Abi,
          eventName: 'Transfer',
          logs: receipt.logs,
        })
        expect(transfers).toHaveLength(1)
      } finally {
        expect(await restarted.stop()).toBe('0')
      }
      const ledger = await openLedger({ dataDir })
      try {
        const [record] = await ledger.recent({ limit: 1 })
        expect(record).toMatchObject({ state: 'confirmed' })
        // Nor is its transaction left open: the restarted facilitator recorded the receipt.
        const open = await ledger.openTransactions(manifest.network)
        expect(open.map((transaction) => transaction.hash)).toEqual([])
      } finally {
        await ledger.close()
      }
    },
    // Two facilitator processes start per step; on shared cores that alone can take most of a minute.
    180_000,
  )
})
