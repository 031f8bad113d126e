import type { CodeEntry } from './codes.ts'

/**
 * The EVM part of core's code table (`exact` with EIP-3009 and Permit2, `upto`), spread into
 * `errorCodes` and kept apart only for size. The same rules hold: append only, reasons exactly
 * as the reference spells them.
 */
export const evmErrorCodes = {
  // EVM `exact` (reference @x402/evm exact/facilitator/errors.ts).
  EVM_EXACT_SCHEME_INVALID: {
    reason: 'invalid_exact_evm_scheme',
    kind: 'rejected',
    origin: 'reference',
  },
  EVM_EXACT_NETWORK_MISMATCH: {
    reason: 'invalid_exact_evm_network_mismatch',
    kind: 'rejected',
    origin: 'reference',
  },
  EVM_EXACT_EIP712_DOMAIN_MISSING: {
    reason: 'invalid_exact_evm_missing_eip712_domain',
    kind: 'rejected',
    origin: 'reference',
  },
  EVM_EXACT_RECIPIENT_MISMATCH: {
    reason: 'invalid_exact_evm_recipient_mismatch',
    kind: 'rejected',
    origin: 'reference',
  },
  EVM_EXACT_SIGNATURE_INVALID: {
    reason: 'invalid_exact_evm_signature',
    kind: 'rejected',
    origin: 'reference',
  },
  EVM_EXACT_SIGNATURE_UNPARSEABLE: {
    reason: 'invalid_exact_evm_failed_to_parse_signature',
    kind: 'rejected',
    origin: 'reference',
  },
  EVM_EXACT_VALID_BEFORE: {
    reason: 'invalid_exact_evm_payload_authorization_valid_before',
    kind: 'rejected',
    origin: 'reference',
  },
  EVM_EXACT_VALID_AFTER: {
    reason: 'invalid_exact_evm_payload_authorization_valid_after',
    kind: 'rejected',
    origin: 'reference',
  },
  EVM_EXACT_VALUE_MISMATCH: {
    reason: 'invalid_exact_evm_payload_authorization_value_mismatch',
    kind: 'rejected',
    origin: 'reference',
  },
  EVM_EXACT_UNDEPLOYED_SMART_WALLET: {
    reason: 'invalid_exact_evm_payload_undeployed_smart_wallet',
    kind: 'rejected',
    origin: 'reference',
  },
  EVM_EXACT_TRANSACTION_FAILED: {
    reason: 'invalid_exact_evm_transaction_failed',
    kind: 'rejected',
    origin: 'reference',
  },
  EVM_EXACT_TRANSFER_EVENT_MISMATCH: {
    reason: 'invalid_exact_evm_transfer_event_mismatch',
    kind: 'rejected',
    origin: 'reference',
  },
  EVM_ASSET_NOT_DEPLOYED: {
    reason: 'asset_not_deployed_contract',
    kind: 'rejected',
    origin: 'reference',
  },
  EVM_EIP6492_FACTORY_NOT_ALLOWED: {
    reason: 'eip6492_factory_not_allowed',
    kind: 'rejected',
    origin: 'reference',
  },
  EVM_SMART_WALLET_DEPLOYMENT_FAILED: {
    reason: 'smart_wallet_deployment_failed',
    kind: 'rejected',
    origin: 'reference',
  },
  EVM_EXACT_TOKEN_NAME_MISMATCH: {
    reason: 'invalid_exact_evm_token_name_mismatch',
    kind: 'rejected',
    origin: 'reference',
  },
  EVM_EXACT_TOKEN_VERSION_MISMATCH: {
    reason: 'invalid_exact_evm_token_version_mismatch',
    kind: 'rejected',
    origin: 'reference',
  },
  EVM_EXACT_EIP3009_UNSUPPORTED: {
    reason: 'invalid_exact_evm_eip3009_not_supported',
    kind: 'rejected',
    origin: 'reference',
  },
  EVM_EXACT_NONCE_USED: {
    reason: 'invalid_exact_evm_nonce_already_used',
    kind: 'rejected',
    origin: 'reference',
  },
  EVM_EXACT_BALANCE_INSUFFICIENT: {
    reason: 'invalid_exact_evm_insufficient_balance',
    kind: 'rejected',
    origin: 'reference',
  },
  EVM_EXACT_SIMULATION_FAILED: {
    reason: 'invalid_exact_evm_transaction_simulation_failed',
    kind: 'rejected',
    origin: 'reference',
  },

  // EVM `exact` over Permit2 (reference @x402/evm exact/facilitator/errors.ts).
  PERMIT2_SPENDER_INVALID: {
    reason: 'invalid_permit2_spender',
    kind: 'rejected',
    origin: 'reference',
  },
  PERMIT2_RECIPIENT_MISMATCH: {
    reason: 'invalid_permit2_recipient_mismatch',
    kind: 'rejected',
    origin: 'reference',
  },
  PERMIT2_DEADLINE_EXPIRED: {
    reason: 'permit2_deadline_expired',
    kind: 'rejected',
    origin: 'reference',
  },
  PERMIT2_NOT_YET_VALID: { reason: 'permit2_not_yet_valid', kind: 'rejected', origin: 'reference' },
  PERMIT2_AMOUNT_MISMATCH: {
    reason: 'permit2_amount_mismatch',
    kind: 'rejected',
    origin: 'reference',
  },
  PERMIT2_TOKEN_MISMATCH: {
    reason: 'permit2_token_mismatch',
    kind: 'rejected',
    origin: 'reference',
  },
  PERMIT2_SIGNATURE_INVALID: {
    reason: 'invalid_permit2_signature',
    kind: 'rejected',
    origin: 'reference',
  },
  // The payer has not approved Permit2 for the token: a one-time approval fixes it (HTTP 412).
  PERMIT2_ALLOWANCE_REQUIRED: {
    reason: 'permit2_allowance_required',
    kind: 'rejected',
    origin: 'reference',
  },
  PERMIT2_SIMULATION_FAILED: {
    reason: 'permit2_simulation_failed',
    kind: 'rejected',
    origin: 'reference',
  },
  PERMIT2_BALANCE_INSUFFICIENT: {
    reason: 'permit2_insufficient_balance',
    kind: 'rejected',
    origin: 'reference',
  },
  PERMIT2_PROXY_NOT_DEPLOYED: {
    reason: 'permit2_proxy_not_deployed',
    kind: 'unsupported',
    origin: 'reference',
  },
  PERMIT2_NONCE_USED: { reason: 'permit2_invalid_nonce', kind: 'rejected', origin: 'reference' },
  PERMIT2_AMOUNT_INVALID: {
    reason: 'permit2_invalid_amount',
    kind: 'rejected',
    origin: 'reference',
  },

  // EVM `upto` (reference @x402/evm upto/facilitator/errors.ts).
  UPTO_SCHEME_INVALID: { reason: 'invalid_upto_evm_scheme', kind: 'rejected', origin: 'reference' },
  UPTO_NETWORK_MISMATCH: {
    reason: 'invalid_upto_evm_network_mismatch',
    kind: 'rejected',
    origin: 'reference',
  },
  UPTO_SETTLEMENT_EXCEEDS_AMOUNT: {
    reason: 'invalid_upto_evm_payload_settlement_exceeds_amount',
    kind: 'rejected',
    origin: 'reference',
  },
  UPTO_FACILITATOR_MISMATCH: {
    reason: 'upto_facilitator_mismatch',
    kind: 'rejected',
    origin: 'reference',
  },
  UPTO_TRANSACTION_FAILED: {
    reason: 'invalid_upto_evm_transaction_failed',
    kind: 'rejected',
    origin: 'reference',
  },
} as const satisfies Record<string, CodeEntry>
