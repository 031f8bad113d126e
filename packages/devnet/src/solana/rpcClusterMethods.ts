/**
 * Cluster-state methods of the Solana devnet RPC: health, version, genesis hash, slot, block
 * height, epoch, blockhashes and fees.
 * @module
 */
import { base64Decode } from './encoding.ts'
import { messageFeeLamports } from './fees.ts'
import { addressParam, invalidParams, stringParam } from './rpcParams.ts'
import { type RpcMethod, SOLANA_API_VERSION, withContext } from './rpcServer.ts'
import type { SolanaChain } from './solanaChain.ts'
import { PACKET_DATA_SIZE_BYTES, type ParsedMessage, parseMessage } from './wireTransaction.ts'

/** The cluster methods, keyed by RPC method name. */
export function clusterMethods(chain: SolanaChain): [string, RpcMethod][] {
  return [
    ['getHealth', () => 'ok'],
    ['getVersion', () => ({ 'solana-core': SOLANA_API_VERSION, 'feature-set': 0 })],
    ['getGenesisHash', () => chain.genesisHash],
    ['getSlot', () => chain.slot()],
    ['getBlockHeight', () => chain.blockHeight()],
    ['getTransactionCount', () => chain.transactionCount()],
    ['getEpochInfo', () => epochInfo(chain)],
    ['getLatestBlockhash', () => withContext(chain.slot(), chain.latestBlockhash())],
    [
      'isBlockhashValid',
      // Blockhashes are 32-byte base58 strings, so the address reader checks them too.
      (params) => withContext(chain.slot(), chain.isBlockhashValid(addressParam(params, 0))),
    ],
    [
      'getFeeForMessage',
      (params) => {
        const message = decodeMessage(stringParam(params, 0))
        const valid = chain.isBlockhashValid(message.recentBlockhash)
        return withContext(chain.slot(), valid ? messageFeeLamports(message) : null)
      },
    ],
    // No other transactions compete for block space here, so no priority fee is ever needed.
    ['getRecentPrioritizationFees', () => []],
  ]
}

function epochInfo(chain: SolanaChain): unknown {
  const slotsInEpoch = chain.svm.getEpochSchedule().slotsPerEpoch
  const slot = chain.slot()
  return {
    absoluteSlot: slot,
    blockHeight: chain.blockHeight(),
    epoch: slot / slotsInEpoch,
    slotIndex: slot % slotsInEpoch,
    slotsInEpoch,
    transactionCount: chain.transactionCount(),
  }
}

function decodeMessage(encoded: string): ParsedMessage {
  let bytes: Uint8Array
  try {
    bytes = base64Decode(encoded)
  } catch (error) {
    throw invalidParams(`invalid base64 encoding: ${describe(error)}`)
  }
  if (bytes.length > PACKET_DATA_SIZE_BYTES) {
    throw invalidParams(`Invalid params: message too large: ${bytes.length} bytes`)
  }
  try {
    return parseMessage(bytes)
  } catch (error) {
    throw invalidParams(
      `failed to deserialize solana_message::VersionedMessage: ${describe(error)}`,
    )
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
