import type { CodeEntry } from './codes.ts'

/**
 * The trust part of core's code table: why an ERC-8004 read, a feedback check or a credit
 * decision came out as it did. Sign-in-with-x keeps the reference extension's reasons; the rest
 * are Tollgate's, since x402 has none for them. Spread into
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

  // sign-in-with-x (CAIP-122): the reference extension's reasons, character for character.
  SIWX_DOMAIN_MISMATCH: {
    reason: 'invalid_siwx_domain_mismatch',
    kind: 'rejected',
    origin: 'reference',
  },
  SIWX_URI_MISMATCH: { reason: 'invalid_siwx_uri_mismatch', kind: 'rejected', origin: 'reference' },
  SIWX_ISSUED_AT_INVALID: {
    reason: 'invalid_siwx_issued_at',
    kind: 'malformed',
    origin: 'reference',
  },
  SIWX_ISSUED_AT_TOO_OLD: {
    reason: 'invalid_siwx_issued_at_too_old',
    kind: 'rejected',
    origin: 'reference',
  },
  SIWX_ISSUED_AT_IN_FUTURE: {
    reason: 'invalid_siwx_issued_at_in_future',
    kind: 'rejected',
    origin: 'reference',
  },
  SIWX_EXPIRATION_INVALID: {
    reason: 'invalid_siwx_expiration_time',
    kind: 'malformed',
    origin: 'reference',
  },
  SIWX_EXPIRED: { reason: 'invalid_siwx_expired', kind: 'rejected', origin: 'reference' },
  SIWX_NOT_BEFORE_INVALID: {
    reason: 'invalid_siwx_not_before',
    kind: 'malformed',
    origin: 'reference',
  },
  SIWX_NOT_YET_VALID: {
    reason: 'invalid_siwx_not_yet_valid',
    kind: 'rejected',
    origin: 'reference',
  },
  SIWX_NONCE_INVALID: { reason: 'invalid_siwx_nonce', kind: 'rejected', origin: 'reference' },
  SIWX_SIGNATURE_INVALID: {
    reason: 'invalid_siwx_signature',
    kind: 'rejected',
    origin: 'reference',
  },
  SIWX_CHAIN_ID_INVALID: {
    reason: 'invalid_siwx_chain_id',
    kind: 'malformed',
    origin: 'reference',
  },
  SIWX_CHAIN_UNSUPPORTED: {
    reason: 'invalid_siwx_unsupported_chain',
    kind: 'unsupported',
    origin: 'reference',
  },
  SIWX_SIGNATURE_MALFORMED: {
    reason: 'invalid_siwx_malformed_signature',
    kind: 'malformed',
    origin: 'reference',
  },
  // Who is calling, and how far they are trusted to pay later: Tollgate's own.
  SIWX_HEADER_MALFORMED: { reason: 'invalid_siwx_header', kind: 'malformed', origin: 'tollgate' },
  SIWX_OPERATION_MISMATCH: {
    reason: 'invalid_siwx_operation_mismatch',
    kind: 'rejected',
    origin: 'tollgate',
  },
  SIWX_AGENT_MALFORMED: { reason: 'invalid_siwx_agent', kind: 'malformed', origin: 'tollgate' },
  SIWX_NOT_AGENT_WALLET: {
    reason: 'invalid_siwx_not_agent_wallet',
    kind: 'rejected',
    origin: 'tollgate',
  },
  CREDIT_AGENT_LIMIT: {
    reason: 'credit_agent_limit_reached',
    kind: 'rejected',
    origin: 'tollgate',
  },
  CREDIT_TOTAL_LIMIT: {
    reason: 'credit_total_limit_reached',
    kind: 'rejected',
    origin: 'tollgate',
  },
  CREDIT_IN_DEBT: { reason: 'credit_agent_in_debt', kind: 'rejected', origin: 'tollgate' },
  CREDIT_SCORE_LOW: { reason: 'credit_score_too_low', kind: 'rejected', origin: 'tollgate' },
  CREDIT_SETTLEMENT_FAILED: {
    reason: 'credit_settlement_failed',
    kind: 'rejected',
    origin: 'tollgate',
  },
  CREDIT_BOOK_UNAVAILABLE: {
    reason: 'credit_book_unavailable',
    kind: 'unavailable',
    origin: 'tollgate',
  },
} as const satisfies Record<string, CodeEntry>
