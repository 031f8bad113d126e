// biome-ignore-all lint/performance/noBarrelFile: the package entrypoint
/**
 * @module @tollgate/wallet
 * An agent's wallet: signers (environment, keystore, remote), the owner's spending policy, and
 * the store that makes budgets hold across restarts and processes.
 */
export { decryptKeystore, encryptKeystore } from './keystore.ts'
export {
  type Budget,
  type BudgetPeriod,
  budgetPeriods,
  describeBudget,
  formatUsd,
  parseSpendingPolicy,
  paymentPolicyOf,
  type SpendingPolicy,
  type SpendingPolicyInput,
  spendingPolicySchema,
} from './policy.ts'
export {
  type RemoteSignerOptions,
  remoteSigner,
  signerFromEnv,
  signerFromKeystore,
  signerFromPrivateKey,
} from './signers.ts'
export type {
  Reservation,
  SpendChange,
  SpendRecord,
  SpendRequest,
  SpendState,
} from './spendBook.ts'
export {
  type ApprovalRequest,
  hostOf,
  type SpendingGuardOptions,
  spendingGuard,
  toMicros,
} from './spendingGuard.ts'
export { SpendJournal, type SpendJournalOptions } from './spendJournal.ts'
export {
  type SpendBackend,
  SpendStore,
  type SpendStoreOptions,
  spendSchema,
} from './spendStore.ts'
