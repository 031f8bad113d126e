/**
 * Goal: kill -9 of the facilitator during a claim loses no voucher and pays none twice: the claim
 * transaction stored before the crash is sent by the restarted facilitator, the seller's claim
 * run again finds the vouchers claimed (rows at or below the claimed total are no-ops), and the
 * sweep pays the merchant exactly what was charged; a seller restarted on the same channel store
 * goes on charging from where it was.
 * Method: the dev stack; a Tollgate gate (FolderChannelStore, its own receiver authorizer key)
 * paid by the Tollgate client through the dev facilitator; claims through a facilitator process
 * that kills itself after storing the claim transaction, then through a restarted one on the same
 * embedded ledger; balances and escrow state from the chain.
 */
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { readReceipt, wrapFetch } from '@tollgate/client'
import { HttpFacilitatorClient } from '@tollgate/core'
import { ANVIL_ACCOUNTS } from '@tollgate/devnet'
import {
  batchSettlementAbi,
  batchSettlementAddresses,
  batchSettlementEvmClient,
  FolderChannelStore,
  MemoryClientChannelStore,
} from '@tollgate/evm'
import { type DevStack, listen, rpcClient } from 'tollgate'
import { getAddress, type Hex } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { beforeAll, describe, expect, it } from 'vitest'
import { devStackForFile, startBatchSeller } from './support/batchSeller.ts'
import { spawnFacilitator } from './support/spawnFacilitator.ts'
import { payerAccount, tokenBalance } from './support/stack.ts'

const fixture = devStackForFile()
const { closers } = fixture
let stack: DevStack
beforeAll(() => {
  stack = fixture.stack()
})

const price = 1_000n

describe('batch-settlement under kill -9', () => {
  it('a claim stored before the facilitator died lands once; a restarted seller keeps charging', async () => {
    const { manifest } = stack
    const payee = getAddress(privateKeyToAccount(generatePrivateKey()).address)
    const asset = { ...manifest.asset, address: manifest.asset.address as Hex }
    const channels = await mkdtemp(join(tmpdir(), 'tollgate-channels-'))
    const receiverAuthorizer = privateKeyToAccount(generatePrivateKey())
    // Two seller processes' worth: each its own gate, one channel store between them.
    const seller = () =>
      startBatchSeller(stack, closers, {
        payTo: payee,
        scheme: { store: new FolderChannelStore(channels), receiverAuthorizer },
      })
    const pay = wrapFetch(fetch, {
      schemes: [
        batchSettlementEvmClient({
          signer: payerAccount(manifest),
          assets: { [manifest.network]: asset },
          store: new MemoryClientChannelStore(),
        }),
      ],
    })
    const first = await seller()
    for (let i = 0; i < 3; i++) expect((await pay(`${first.url}/page`)).status).toBe(200)

    // A second seller process on the same channel store goes on from the third charge.
    const { url: secondUrl, scheme: second } = await seller()
    for (let i = 0; i < 2; i++) {
      const response = await pay(`${secondUrl}/page`)
      expect(response.status).toBe(200)
      expect(readReceipt(response)?.extra).toMatchObject({
        channelState: { chargedCumulativeAmount: String(BigInt(4 + i) * price) },
      })
    }

    const signer = ANVIL_ACCOUNTS[8]!
    const probe = await listen({ fetch: () => new Response() }, 0)
    await probe.close()
    const config = {
      rpcUrl: manifest.rpcUrl,
      network: manifest.network,
      signerKey: signer.privateKey,
      asset: manifest.asset,
      multicall3: manifest.multicall3,
      ledger: { dataDir: await mkdtemp(join(tmpdir(), 'tollgate-batch-crash-')) },
      port: probe.port,
    }
    const target = { network: manifest.network, payTo: payee, token: manifest.asset.address }
    const doomed = await spawnFacilitator({ ...config, crashAt: 'after-persist' })
    await expect(
      second.channels.claim({
        ...target,
        facilitator: new HttpFacilitatorClient({ url: doomed.url }),
      }),
    ).rejects.toThrow()
    expect(await doomed.exited).toBe('SIGKILL')

    const restarted = await spawnFacilitator(config)
    try {
      const facilitator = new HttpFacilitatorClient({ url: restarted.url })
      const claims = await second.channels.claim({ ...target, facilitator })
      expect(claims.failed).toEqual([])
      const [stored] = await second.channels.list()
      const channelId = stored!.channel.channelId as Hex
      const onChain = await rpcClient(manifest.rpcUrl).readContract({
        address: batchSettlementAddresses.escrow,
        abi: batchSettlementAbi,
        functionName: 'channels',
        args: [channelId],
      })
      expect(onChain[1]).toBe(5n * price)
      expect(stored!.channel.totalClaimed).toBe(String(5n * price))
      // Nothing left to claim: a third run sends nothing.
      expect(await second.channels.claim({ ...target, facilitator })).toEqual({
        claimed: [],
        failed: [],
      })
      const before = await tokenBalance(manifest, payee)
      expect(await second.channels.sweep({ ...target, facilitator })).toMatchObject({
        success: true,
        amount: String(5n * price),
      })
      expect((await tokenBalance(manifest, payee)) - before).toBe(5n * price)
    } finally {
      expect(await restarted.stop()).toBe('0')
    }
  }, 180_000)
})
