/**
 * The viem clients that deployDevnet and fundDevnet send their transactions through.
 * @module
 */
import {
  type Chain,
  createPublicClient,
  createTestClient,
  createWalletClient,
  type Hash,
  type Hex,
  http,
  type PrivateKeyAccount,
  type PublicClient,
  type TestClient,
  type TransactionReceipt,
  type Transport,
  type WalletClient,
} from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { bareDevnetChain } from './devnetChain.ts'
import { DevnetError } from './errors.ts'

/** Per-request bound. A local node answers in milliseconds; a long wait means it is gone. */
const RPC_TIMEOUT_MS = 10_000
/** Bound on waiting for a receipt; generous enough for interval mining with long block times. */
const RECEIPT_TIMEOUT_MS = 60_000
/** Anvil mines on demand, so poll often rather than viem's default of 4 s. */
const POLLING_INTERVAL_MS = 50

export type DevnetClients = {
  account: PrivateKeyAccount
  publicClient: PublicClient<Transport, Chain>
  walletClient: WalletClient<Transport, Chain, PrivateKeyAccount>
  /** Anvil's own RPC methods (`anvil_setBalance`, …); only usable against anvil. */
  testClient: TestClient<'anvil', Transport, Chain>
}

/**
 * Clients for `rpcUrl`, signing with `privateKey`. Fails fast when the node is not the chain the
 * caller expects, before anything is signed for the wrong chain id.
 */
export async function connectDevnet(
  rpcUrl: string,
  chainId: number,
  privateKey: Hex,
): Promise<DevnetClients> {
  const chain = bareDevnetChain(chainId, rpcUrl)
  // No transport retries: a devnet that fails a request is broken, and a retry would only delay
  // the error (or, for a send, muddle which attempt landed).
  const transport = http(rpcUrl, { timeout: RPC_TIMEOUT_MS, retryCount: 0 })
  const account = privateKeyToAccount(privateKey)
  const publicClient = createPublicClient({
    chain,
    transport,
    pollingInterval: POLLING_INTERVAL_MS,
  })
  const walletClient = createWalletClient({ account, chain, transport })
  const testClient = createTestClient({ mode: 'anvil', chain, transport })
  const actualChainId = await publicClient.getChainId()
  if (actualChainId !== chainId) {
    throw new DevnetError(
      'CHAIN_ID_MISMATCH',
      `${rpcUrl} reports chain id ${actualChainId}, expected ${chainId}`,
    )
  }
  return { account, publicClient, walletClient, testClient }
}

/** Waits for every transaction and throws unless all of them succeeded. */
export async function waitForSuccess(
  publicClient: PublicClient<Transport, Chain>,
  transactions: ReadonlyArray<{ hash: Hash; label: string }>,
): Promise<TransactionReceipt[]> {
  return Promise.all(
    transactions.map(async ({ hash, label }) => {
      const receipt = await publicClient.waitForTransactionReceipt({
        hash,
        timeout: RECEIPT_TIMEOUT_MS,
      })
      if (receipt.status !== 'success') {
        throw new DevnetError('TRANSACTION_FAILED', `${label} reverted (transaction ${hash})`)
      }
      return receipt
    }),
  )
}
