import type { CodeEntry } from './codes.ts'

/**
 * The trust part of core's code table: why an ERC-8004 read, a feedback check or a credit
 * decision came out as it did. x402 has no reasons for these, so all are Tollgate's. Spread into
 * `errorCodes` and kept apart only for size; the same rules hold (append only).
 */
export const trustErrorCodes = {
  TRUST_REVIEWERS_REQUIRED: {
    reason: 'trust_reviewers_required',
    kind: 'malformed',
    origin: 'tollgate',
  },
  TRUST_AGENT_NOT_FOUND: { reason: 'trust_agent_not_found', kind: 'rejected', origin: 'tollgate' },
  TRUST_FEEDBACK_NOT_FOUND: {
    reason: 'trust_feedback_not_found',
    kind: 'rejected',
    origin: 'tollgate',
  },
  TRUST_CONTENT_UNAVAILABLE: {
    reason: 'trust_content_unavailable',
    kind: 'unavailable',
    origin: 'tollgate',
  },
  TRUST_CONTENT_NOT_FOUND: {
    reason: 'trust_content_not_found',
    kind: 'rejected',
    origin: 'tollgate',
  },
  TRUST_CONTENT_TOO_LARGE: {
    reason: 'trust_content_too_large',
    kind: 'malformed',
    origin: 'tollgate',
  },
  TRUST_CONTENT_URI_UNSUPPORTED: {
    reason: 'trust_content_uri_unsupported',
    kind: 'unsupported',
    origin: 'tollgate',
  },
  TRUST_REGISTRATION_MALFORMED: {
    reason: 'trust_registration_malformed',
    kind: 'malformed',
    origin: 'tollgate',
  },
  TRUST_FEEDBACK_FILE_MALFORMED: {
    reason: 'trust_feedback_file_malformed',
    kind: 'malformed',
    origin: 'tollgate',
  },
  TRUST_FEEDBACK_HASH_MISMATCH: {
    reason: 'trust_feedback_hash_mismatch',
    kind: 'rejected',
    origin: 'tollgate',
  },
  TRUST_FEEDBACK_FILE_MISMATCH: {
    reason: 'trust_feedback_file_mismatch',
    kind: 'rejected',
    origin: 'tollgate',
  },
  TRUST_PROOF_OF_PAYMENT_MISSING: {
    reason: 'trust_proof_of_payment_missing',
    kind: 'rejected',
    origin: 'tollgate',
  },
  TRUST_PROOF_OF_PAYMENT_WRONG_CHAIN: {
    reason: 'trust_proof_of_payment_wrong_chain',
    kind: 'rejected',
    origin: 'tollgate',
  },
  TRUST_PROOF_OF_PAYMENT_NOT_FOUND: {
    reason: 'trust_proof_of_payment_not_found',
    kind: 'rejected',
    origin: 'tollgate',
  },
  TRUST_PROOF_OF_PAYMENT_NO_TRANSFER: {
    reason: 'trust_proof_of_payment_no_transfer',
    kind: 'rejected',
    origin: 'tollgate',
  },
  TRUST_SIGNER_REQUIRED: { reason: 'trust_signer_required', kind: 'malformed', origin: 'tollgate' },
  TRUST_REGISTRY_UNCONFIGURED: {
    reason: 'trust_registry_unconfigured',
    kind: 'unsupported',
    origin: 'tollgate',
  },
  TRUST_TRANSACTION_REVERTED: {
    reason: 'trust_transaction_reverted',
    kind: 'rejected',
    origin: 'tollgate',
  },
} as const satisfies Record<string, CodeEntry>
