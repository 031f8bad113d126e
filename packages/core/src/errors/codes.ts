/**
 * The one table of failure codes. Each internal code maps to the reason string put on the wire
 * (`invalidReason` / `errorReason`) and a kind that edges map to a status.
 *
 * Append only: never rename, reuse or delete a code, because clients match on the reasons.
 * Reasons are the reference implementation's strings character for character; the few that
 * the reference lacks are marked `tollgate` and documented in docs/ERRORS.md.
 */
import { agentErrorCodes } from './agentCodes.ts'
import { batchSettlementErrorCodes } from './batchSettlementCodes.ts'
import { evmErrorCodes } from './evmCodes.ts'
import { trustErrorCodes } from './trustCodes.ts'

export type ErrorKind =
  | 'malformed'
  | 'rejected'
  | 'unsupported'
  | 'pending'
  | 'unavailable'
  | 'internal'

export type CodeEntry = {
  reason: string
  kind: ErrorKind
  origin: 'spec' | 'reference' | 'tollgate'
}

export const errorCodes = {
  // Generic protocol codes (x402 v2 specification §9).
  PAYLOAD_MALFORMED: { reason: 'invalid_payload', kind: 'malformed', origin: 'spec' },
  REQUIREMENTS_MALFORMED: {
    reason: 'invalid_payment_requirements',
    kind: 'malformed',
    origin: 'spec',
  },
  VERSION_UNSUPPORTED: { reason: 'invalid_x402_version', kind: 'malformed', origin: 'spec' },
  SCHEME_INVALID: { reason: 'invalid_scheme', kind: 'unsupported', origin: 'spec' },
  SCHEME_UNSUPPORTED: { reason: 'unsupported_scheme', kind: 'unsupported', origin: 'spec' },
  NETWORK_UNSUPPORTED: { reason: 'invalid_network', kind: 'unsupported', origin: 'spec' },
  FUNDS_INSUFFICIENT: { reason: 'insufficient_funds', kind: 'rejected', origin: 'spec' },
  TRANSACTION_STATE_INVALID: {
    reason: 'invalid_transaction_state',
    kind: 'rejected',
    origin: 'spec',
  },
  VERIFY_UNEXPECTED: { reason: 'unexpected_verify_error', kind: 'internal', origin: 'spec' },
  SETTLE_UNEXPECTED: { reason: 'unexpected_settle_error', kind: 'internal', origin: 'spec' },
  SETTLEMENT_DUPLICATE: { reason: 'duplicate_settlement', kind: 'rejected', origin: 'reference' },
  SETTLEMENT_PENDING: { reason: 'settlement_pending', kind: 'pending', origin: 'reference' },
  PAYLOAD_TYPE_UNSUPPORTED: {
    reason: 'unsupported_payload_type',
    kind: 'unsupported',
    origin: 'reference',
  },

  ...evmErrorCodes,
  ...batchSettlementErrorCodes,
  ...trustErrorCodes,
  ...agentErrorCodes,

  // Tollgate additions: situations the reference reports only as free text or a 500.
  ASSET_NOT_ALLOWED: { reason: 'asset_not_allowed', kind: 'unsupported', origin: 'tollgate' },
  PAYEE_NOT_ALLOWED: { reason: 'payee_not_allowed', kind: 'unsupported', origin: 'tollgate' },
  REQUIREMENTS_NO_MATCH: {
    reason: 'no_matching_payment_requirements',
    kind: 'rejected',
    origin: 'tollgate',
  },
  FACILITATOR_UNAVAILABLE: {
    reason: 'facilitator_unavailable',
    kind: 'unavailable',
    origin: 'tollgate',
  },
  FACILITATOR_RESPONSE_INVALID: {
    reason: 'invalid_facilitator_response',
    kind: 'unavailable',
    origin: 'tollgate',
  },
  PAYMENT_IN_USE: { reason: 'payment_already_in_use', kind: 'rejected', origin: 'tollgate' },
  POLICY_REFUSED: { reason: 'payment_refused_by_policy', kind: 'rejected', origin: 'tollgate' },
  UNAUTHORIZED: { reason: 'unauthorized', kind: 'rejected', origin: 'tollgate' },
  RATE_LIMITED: { reason: 'rate_limited', kind: 'unavailable', origin: 'tollgate' },
  ADDRESS_BLOCKED: { reason: 'address_blocked', kind: 'rejected', origin: 'tollgate' },
  PAYMENT_IDENTIFIER_CONFLICT: {
    reason: 'payment_identifier_conflict',
    kind: 'rejected',
    origin: 'tollgate',
  },
  PAYMENT_IDENTIFIER_REQUIRED: {
    reason: 'payment_identifier_required',
    kind: 'malformed',
    origin: 'tollgate',
  },

  // SVM `exact` (reference @x402/svm exact/facilitator/errors.ts).
  SVM_EXACT_SCHEME_UNSUPPORTED: {
    reason: 'invalid_exact_svm_unsupported_scheme',
    kind: 'rejected',
    origin: 'reference',
  },
  SVM_EXACT_NETWORK_MISMATCH: {
    reason: 'invalid_exact_svm_network_mismatch',
    kind: 'rejected',
    origin: 'reference',
  },
  SVM_EXACT_FEE_PAYER_MISSING: {
    reason: 'invalid_exact_svm_payload_missing_fee_payer',
    kind: 'rejected',
    origin: 'reference',
  },
  SVM_EXACT_FEE_PAYER_NOT_MANAGED: {
    reason: 'invalid_exact_svm_fee_payer_not_managed_by_facilitator',
    kind: 'rejected',
    origin: 'reference',
  },
  SVM_EXACT_TRANSACTION_UNDECODABLE: {
    reason: 'invalid_exact_svm_payload_transaction_could_not_be_decoded',
    kind: 'rejected',
    origin: 'reference',
  },
  SVM_EXACT_SIGNERS_EXCESSIVE: {
    reason: 'invalid_exact_svm_payload_excessive_signers',
    kind: 'rejected',
    origin: 'reference',
  },
  SVM_EXACT_FEE_PAYER_MISMATCH: {
    reason: 'invalid_exact_svm_fee_payer_mismatch',
    kind: 'rejected',
    origin: 'reference',
  },
  SVM_EXACT_SIGNATURE_INVALID: {
    reason: 'invalid_exact_svm_payload_signature_invalid',
    kind: 'rejected',
    origin: 'reference',
  },
  SVM_EXACT_INSTRUCTIONS_LENGTH: {
    reason: 'invalid_exact_svm_payload_transaction_instructions_length',
    kind: 'rejected',
    origin: 'reference',
  },
  SVM_EXACT_COMPUTE_LIMIT_INSTRUCTION: {
    reason: 'invalid_exact_svm_payload_transaction_instructions_compute_limit_instruction',
    kind: 'rejected',
    origin: 'reference',
  },
  SVM_EXACT_COMPUTE_LIMIT_TOO_HIGH: {
    reason: 'invalid_exact_svm_payload_transaction_instructions_compute_limit_instruction_too_high',
    kind: 'rejected',
    origin: 'reference',
  },
  SVM_EXACT_COMPUTE_PRICE_INSTRUCTION: {
    reason: 'invalid_exact_svm_payload_transaction_instructions_compute_price_instruction',
    kind: 'rejected',
    origin: 'reference',
  },
  SVM_EXACT_COMPUTE_PRICE_TOO_HIGH: {
    reason: 'invalid_exact_svm_payload_transaction_instructions_compute_price_instruction_too_high',
    kind: 'rejected',
    origin: 'reference',
  },
  SVM_EXACT_TRANSFER_INSTRUCTION_MISSING: {
    reason: 'invalid_exact_svm_payload_no_transfer_instruction',
    kind: 'rejected',
    origin: 'reference',
  },
  SVM_EXACT_FEE_PAYER_TRANSFERRING_FUNDS: {
    reason: 'invalid_exact_svm_payload_transaction_fee_payer_transferring_funds',
    kind: 'rejected',
    origin: 'reference',
  },
  SVM_EXACT_MINT_MISMATCH: {
    reason: 'invalid_exact_svm_payload_mint_mismatch',
    kind: 'rejected',
    origin: 'reference',
  },
  SVM_EXACT_RECIPIENT_MISMATCH: {
    reason: 'invalid_exact_svm_payload_recipient_mismatch',
    kind: 'rejected',
    origin: 'reference',
  },
  SVM_EXACT_AMOUNT_MISMATCH: {
    reason: 'invalid_exact_svm_payload_amount_mismatch',
    kind: 'rejected',
    origin: 'reference',
  },
  SVM_EXACT_UNKNOWN_FOURTH_INSTRUCTION: {
    reason: 'invalid_exact_svm_payload_unknown_fourth_instruction',
    kind: 'rejected',
    origin: 'reference',
  },
  SVM_EXACT_UNKNOWN_FIFTH_INSTRUCTION: {
    reason: 'invalid_exact_svm_payload_unknown_fifth_instruction',
    kind: 'rejected',
    origin: 'reference',
  },
  SVM_EXACT_UNKNOWN_SIXTH_INSTRUCTION: {
    reason: 'invalid_exact_svm_payload_unknown_sixth_instruction',
    kind: 'rejected',
    origin: 'reference',
  },
  SVM_EXACT_UNKNOWN_SEVENTH_INSTRUCTION: {
    reason: 'invalid_exact_svm_payload_unknown_seventh_instruction',
    kind: 'rejected',
    origin: 'reference',
  },
  SVM_EXACT_UNKNOWN_OPTIONAL_INSTRUCTION: {
    reason: 'invalid_exact_svm_payload_unknown_optional_instruction',
    kind: 'rejected',
    origin: 'reference',
  },
  SVM_EXACT_MEMO_COUNT: {
    reason: 'invalid_exact_svm_payload_memo_count',
    kind: 'rejected',
    origin: 'reference',
  },
  SVM_EXACT_MEMO_MISMATCH: {
    reason: 'invalid_exact_svm_payload_memo_mismatch',
    kind: 'rejected',
    origin: 'reference',
  },
  SVM_EXACT_SIMULATION_FAILED: {
    reason: 'invalid_exact_svm_transaction_simulation_failed',
    kind: 'rejected',
    origin: 'reference',
  },
  SVM_EXACT_TRANSACTION_FAILED: {
    reason: 'invalid_exact_svm_transaction_failed',
    kind: 'rejected',
    origin: 'reference',
  },
  // SVM `exact` reasons of the reference's v1 list that its v2 code no longer emits.
  SVM_EXACT_FEE_PAYER_IN_ACCOUNTS: {
    reason: 'invalid_exact_svm_payload_transaction_fee_payer_included_in_instruction_accounts',
    kind: 'rejected',
    origin: 'reference',
  },
  SVM_EXACT_BLOCK_HEIGHT_EXCEEDED: {
    reason: 'settle_exact_svm_block_height_exceeded',
    kind: 'rejected',
    origin: 'reference',
  },
  // SVM `exact` checks the reference does not make (it resolves lookup tables, allows nonces).
  SVM_EXACT_LOOKUP_TABLES: {
    reason: 'invalid_exact_svm_payload_address_lookup_tables',
    kind: 'rejected',
    origin: 'tollgate',
  },
  SVM_EXACT_DURABLE_NONCE: {
    reason: 'invalid_exact_svm_payload_durable_nonce',
    kind: 'rejected',
    origin: 'tollgate',
  },
  SVM_EXACT_TOKEN_PROGRAM_MISMATCH: {
    reason: 'invalid_exact_svm_payload_token_program_mismatch',
    kind: 'rejected',
    origin: 'tollgate',
  },
  // Operator and catalogue endpoints (`error` in their JSON bodies).
  REQUEST_INVALID: { reason: 'invalid_request', kind: 'malformed', origin: 'tollgate' },
  NOT_FOUND: { reason: 'not_found', kind: 'unsupported', origin: 'tollgate' },
  INTERNAL: { reason: 'internal_error', kind: 'internal', origin: 'tollgate' },
  LEDGER_UNAVAILABLE: { reason: 'ledger_unavailable', kind: 'unavailable', origin: 'tollgate' },
  CATALOG_UNAVAILABLE: { reason: 'catalog_unavailable', kind: 'unavailable', origin: 'tollgate' },
  DASHBOARD_NOT_BUILT: { reason: 'dashboard_not_built', kind: 'unavailable', origin: 'tollgate' },
  STREAMS_EXHAUSTED: { reason: 'too_many_streams', kind: 'unavailable', origin: 'tollgate' },
  // A handler asked (`Settlement-Overrides`) for a charge the payment cannot cover or the gate
  // cannot read: the server's mistake, so nothing is charged and nothing is served.
  SETTLEMENT_OVERRIDE_INVALID: {
    reason: 'invalid_settlement_override',
    kind: 'internal',
    origin: 'tollgate',
  },
  // Resource servers' stored responses (the payment-identifier extension, x402 §7.2).
  PAYMENT_IN_PROGRESS: { reason: 'payment_in_progress', kind: 'pending', origin: 'tollgate' },
  RESPONSE_STORE_UNAVAILABLE: {
    reason: 'response_store_unavailable',
    kind: 'unavailable',
    origin: 'tollgate',
  },
  // A Solana fee payer without the lamports for the fee: the payment is fine, ask again later.
  SVM_FEE_PAYER_UNFUNDED: {
    reason: 'fee_payer_insufficient_funds',
    kind: 'unavailable',
    origin: 'tollgate',
  },
  // An EVM signer without the gas money for a settlement: the payment is fine and stays queued
  // on its stored transaction, ask again once the facilitator is funded.
  FACILITATOR_SIGNER_UNFUNDED: {
    reason: 'facilitator_signer_unfunded',
    kind: 'unavailable',
    origin: 'tollgate',
  },
} as const satisfies Record<string, CodeEntry>

export type ErrorCode = keyof typeof errorCodes
export type ErrorReason = (typeof errorCodes)[ErrorCode]['reason']

/** The wire reason of a code. */
export function reasonOf(code: ErrorCode): ErrorReason {
  return errorCodes[code].reason
}

const codeByReason = new Map<string, ErrorCode>(
  (Object.keys(errorCodes) as ErrorCode[]).map((code) => [errorCodes[code].reason, code]),
)

/** The code for a wire reason, when the reason is one of ours. */
export function codeOfReason(reason: string): ErrorCode | undefined {
  return codeByReason.get(reason)
}
