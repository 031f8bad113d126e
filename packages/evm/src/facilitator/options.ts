import type { SettlementLedger } from '@tollgate/core'
import type { Address, LocalAccount, PublicClient } from 'viem'
import type { EvmAsset } from '../assets.ts'
import type { FacilitatorClock } from './clock.ts'
import type { EvmFacilitatorLogger } from './failureLog.ts'

/** One EVM network a facilitator settles on. */
export interface EvmNetworkOptions {
  /** CAIP-2 id, e.g. `eip155:84532`. */
  network: string
  /** A viem public client for the network's RPC. */
  client: PublicClient
  /** Accounts that pay gas and submit settlements, used round robin. */
  signers: readonly LocalAccount[]
  /**
   * Assets accepted for payment. A payment in any other asset is refused before any RPC call,
   * which keeps fee-on-transfer and look-alike tokens out.
   */
  assets: readonly EvmAsset[]
  /**
   * Factories trusted to deploy ERC-6492 counterfactual wallets. Empty means none: such
   * payments are refused (fail closed).
   * @default []
   */
  eip6492AllowedFactories?: readonly Address[]
  /** Multicall3 address, needed to simulate a counterfactual wallet's deployment and payment. */
  multicall3?: Address | undefined
  /**
   * Blocks mined on top of a settlement's block before it is `confirmed`; until then settle
   * answers success with `extra.finality.state = 'included'`.
   * @default the network's entry in `defaultConfirmationDepths` (0 on the devnet, 12 if unknown)
   */
  confirmationDepth?: number | undefined
  /**
   * How many blocks behind the head settlements are re-read for a reorganisation (at least the
   * confirmation depth). A settlement reorganised away is sent again with the same signed bytes.
   * @default 64
   */
  reorgWindowBlocks?: number | undefined
  /**
   * How long a settlement's send may wait for the transaction's receipt in the same call
   * (`eth_sendRawTransactionSync`, EIP-7966), which saves the first receipt read; its signer's
   * next transaction waits meanwhile, gathering the payments that come. Past it, or on a node
   * without the method (asked the old way from then on), the receipt is polled as usual. 0 always
   * sends the old way.
   * @default 1000
   */
  syncSendWaitMs?: number | undefined
}

export interface ExactEvmFacilitatorOptions {
  networks: readonly EvmNetworkOptions[]
  /** Where payments and transactions are recorded, so each settles at most once. */
  ledger: SettlementLedger
  /**
   * Settle many payments per transaction through Multicall3 (networks without a Multicall3
   * address settle one by one). A batch closes at `maxSize` payments or after `maxWaitMs`
   * (0: at the end of the current event-loop turn). `false` sends one transaction per payment.
   * @default { maxSize: 100, maxWaitMs: 0 }
   */
  batch?: { maxSize: number; maxWaitMs: number } | false
  /** Identifies this process in the ledger (leases). @default a random id per start */
  instanceId?: string
  /** How long a process's claim on a payment lasts unless renewed. @default 15000 */
  leaseMs?: number
  /** How often unfinished payments and transactions are looked after. @default 1000 */
  recoveryIntervalMs?: number
  /**
   * At rest on a ledger no other process writes (the embedded one), the gap between full passes
   * (recovery and signer balance reads): nothing can have changed there that this process did
   * not do. A shared ledger is looked at within a lease instead. @default 60000
   */
  idlePassMs?: number
  /** A transaction not mined after this long is replaced with a higher fee. @default 30000 */
  stuckAfterMs?: number
  /** How often the ledger's housekeeping runs (vacuum of the embedded database). @default 60000 */
  maintenanceIntervalMs?: number
  /**
   * How long settle waits for a receipt before answering `settlement_pending` with the hash.
   * Shorter than a resource server's timeout, so a slow chain is never reported as a failure.
   * @default 30000
   */
  receiptTimeoutMs?: number
  /** @default 200 */
  receiptPollMs?: number
  /**
   * Gas limit of an EOA-signed transfer. Fixed, so settle makes no estimate round trip; unused gas
   * is not charged. Smart-wallet signatures are estimated.
   * @default 150000n
   */
  transferGasLimit?: bigint
  /**
   * Settle skips the RPC checks (signature routing, simulation) for a payment this facilitator
   * fully verified within this many milliseconds: the same authorization (every field), signature
   * and requirements; the checks without RPC always run again. 0 re-verifies everything at settle.
   * @default 10000
   */
  settleReuseVerificationMs?: number
  /**
   * The key that signs claims and refunds for batch-settlement channels whose receiver authorizer
   * it is. With it, `/supported` names its address (`extra.receiverAuthorizer`), so servers
   * without a key of their own can delegate; without it, servers sign their own batches.
   * A refund it signs returns a channel's unclaimed funds, charges its seller has not claimed
   * yet included, so who may ask for one is `batchSettlementRefunds`.
   */
  batchSettlementAuthorizer?: LocalAccount | undefined
  /**
   * Who may have a refund (and the claims sent with it) signed by `batchSettlementAuthorizer`:
   * `payee-key`, only a caller whose API key's `payTo` names the channel's receiver (the seller,
   * which knows what it charged); `any-caller`, anyone who can call `/settle` (a local dev stack).
   * Refunds the seller signed itself are sent for anyone. @default 'payee-key'
   */
  batchSettlementRefunds?: 'payee-key' | 'any-caller' | undefined
  /** Refuse to submit when the fee per gas would exceed this (wei). */
  maxFeePerGasCap?: bigint | undefined
  /**
   * A signer below this balance (wei) makes `/readyz` report the network not ready.
   * @default 10n ** 15n (0.001 ETH)
   */
  minimumSignerBalanceWei?: bigint
  /**
   * Every deadline, age, poll and background pass of the facilitator; tests pass a fake one.
   * @default the system clock
   */
  clock?: FacilitatorClock
  /** Seconds since the epoch, for authorizations' validity windows. @default the clock's */
  now?: () => number
  /**
   * Called at each step of a settlement; tests use it to kill the process at a chosen step and
   * prove that recovery finishes the payment. Production code passes nothing.
   */
  onSettlementStep?: (step: SettlementStep) => void
  /** Failures the facilitator retries on its own (recovery, receipts, upkeep). @default silent */
  logger?: EvmFacilitatorLogger
}

/** The steps of a settlement at which a crash leaves a different state behind. */
export type SettlementStep =
  | 'after-persist'
  | 'after-broadcast'
  | 'after-receipt'
  | 'before-respond'
  /** The answer is out; the ledger has not recorded the receipt yet. */
  | 'after-respond'
