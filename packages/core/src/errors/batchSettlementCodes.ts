import type { CodeEntry } from './codes.ts'

/**
 * The EVM `batch-settlement` part of core's code table (reference @x402/evm
 * batch-settlement/errors.ts), spread into `errorCodes` and kept apart only for size. The same
 * rules hold: append only, reasons exactly as the reference spells them.
 */
export const batchSettlementErrorCodes = {
  BATCH_CHANNEL_NOT_FOUND: {
    reason: 'invalid_batch_settlement_evm_channel_not_found',
    kind: 'rejected',
    origin: 'reference',
  },
  BATCH_TOKEN_MISMATCH: {
    reason: 'invalid_batch_settlement_evm_token_mismatch',
    kind: 'rejected',
    origin: 'reference',
  },
  BATCH_INVALID_VOUCHER_SIGNATURE: {
    reason: 'invalid_batch_settlement_evm_voucher_signature',
    kind: 'rejected',
    origin: 'reference',
  },
  BATCH_CUMULATIVE_EXCEEDS_BALANCE: {
    reason: 'invalid_batch_settlement_evm_cumulative_exceeds_balance',
    kind: 'rejected',
    origin: 'reference',
  },
  BATCH_CUMULATIVE_AMOUNT_BELOW_CLAIMED: {
    reason: 'invalid_batch_settlement_evm_cumulative_below_claimed',
    kind: 'rejected',
    origin: 'reference',
  },
  BATCH_INSUFFICIENT_BALANCE: {
    reason: 'invalid_batch_settlement_evm_insufficient_balance',
    kind: 'rejected',
    origin: 'reference',
  },
  BATCH_DEPOSIT_TRANSACTION_FAILED: {
    reason: 'invalid_batch_settlement_evm_deposit_transaction_failed',
    kind: 'rejected',
    origin: 'reference',
  },
  BATCH_CLAIM_TRANSACTION_FAILED: {
    reason: 'invalid_batch_settlement_evm_claim_transaction_failed',
    kind: 'rejected',
    origin: 'reference',
  },
  BATCH_SETTLE_TRANSACTION_FAILED: {
    reason: 'invalid_batch_settlement_evm_settle_transaction_failed',
    kind: 'rejected',
    origin: 'reference',
  },
  BATCH_INVALID_SCHEME: {
    reason: 'invalid_batch_settlement_evm_scheme',
    kind: 'rejected',
    origin: 'reference',
  },
  BATCH_NETWORK_MISMATCH: {
    reason: 'invalid_batch_settlement_evm_network_mismatch',
    kind: 'rejected',
    origin: 'reference',
  },
  BATCH_MISSING_EIP712_DOMAIN: {
    reason: 'invalid_batch_settlement_evm_missing_eip712_domain',
    kind: 'rejected',
    origin: 'reference',
  },
  BATCH_VALID_BEFORE_EXPIRED: {
    reason: 'invalid_batch_settlement_evm_payload_authorization_valid_before',
    kind: 'rejected',
    origin: 'reference',
  },
  BATCH_VALID_AFTER_IN_FUTURE: {
    reason: 'invalid_batch_settlement_evm_payload_authorization_valid_after',
    kind: 'rejected',
    origin: 'reference',
  },
  BATCH_INVALID_RECEIVE_AUTHORIZATION_SIGNATURE: {
    reason: 'invalid_batch_settlement_evm_receive_authorization_signature',
    kind: 'rejected',
    origin: 'reference',
  },
  BATCH_ERC3009_AUTHORIZATION_REQUIRED: {
    reason: 'invalid_batch_settlement_evm_erc3009_authorization_required',
    kind: 'rejected',
    origin: 'reference',
  },
  BATCH_REFUND_TRANSACTION_FAILED: {
    reason: 'invalid_batch_settlement_evm_refund_transaction_failed',
    kind: 'rejected',
    origin: 'reference',
  },
  BATCH_INVALID_PAYLOAD_TYPE: {
    reason: 'invalid_batch_settlement_evm_payload_type',
    kind: 'rejected',
    origin: 'reference',
  },
  BATCH_WITHDRAW_DELAY_OUT_OF_RANGE: {
    reason: 'invalid_batch_settlement_evm_withdraw_delay_out_of_range',
    kind: 'rejected',
    origin: 'reference',
  },
  BATCH_CHANNEL_ID_MISMATCH: {
    reason: 'invalid_batch_settlement_evm_channel_id_mismatch',
    kind: 'rejected',
    origin: 'reference',
  },
  BATCH_INVALID_CHANNEL_ID: {
    reason: 'invalid_batch_settlement_evm_channel_id_invalid',
    kind: 'rejected',
    origin: 'reference',
  },
  BATCH_RECEIVER_MISMATCH: {
    reason: 'invalid_batch_settlement_evm_receiver_mismatch',
    kind: 'rejected',
    origin: 'reference',
  },
  BATCH_RECEIVER_AUTHORIZER_MISMATCH: {
    reason: 'invalid_batch_settlement_evm_receiver_authorizer_mismatch',
    kind: 'rejected',
    origin: 'reference',
  },
  BATCH_WITHDRAW_DELAY_MISMATCH: {
    reason: 'invalid_batch_settlement_evm_withdraw_delay_mismatch',
    kind: 'rejected',
    origin: 'reference',
  },
  BATCH_AUTHORIZER_ADDRESS_MISMATCH: {
    reason: 'invalid_batch_settlement_evm_authorizer_address_mismatch',
    kind: 'rejected',
    origin: 'reference',
  },
  BATCH_AUTHORIZER_NOT_CONFIGURED: {
    reason: 'invalid_batch_settlement_evm_authorizer_not_configured',
    kind: 'rejected',
    origin: 'reference',
  },
  BATCH_DEPOSIT_SIMULATION_FAILED: {
    reason: 'invalid_batch_settlement_evm_deposit_simulation_failed',
    kind: 'rejected',
    origin: 'reference',
  },
  BATCH_DEPOSIT_BELOW_MIN_DEPOSIT: {
    reason: 'invalid_batch_settlement_evm_deposit_below_min_deposit',
    kind: 'rejected',
    origin: 'reference',
  },
  BATCH_FACTORY_NOT_ALLOWED: {
    reason: 'invalid_batch_settlement_evm_eip6492_factory_not_allowed',
    kind: 'rejected',
    origin: 'reference',
  },
  BATCH_SMART_WALLET_DEPLOYMENT_FAILED: {
    reason: 'invalid_batch_settlement_evm_smart_wallet_deployment_failed',
    kind: 'rejected',
    origin: 'reference',
  },
  BATCH_CLAIM_SIMULATION_FAILED: {
    reason: 'invalid_batch_settlement_evm_claim_simulation_failed',
    kind: 'rejected',
    origin: 'reference',
  },
  BATCH_SETTLE_SIMULATION_FAILED: {
    reason: 'invalid_batch_settlement_evm_settle_simulation_failed',
    kind: 'rejected',
    origin: 'reference',
  },
  BATCH_NOTHING_TO_SETTLE: {
    reason: 'invalid_batch_settlement_evm_nothing_to_settle',
    kind: 'rejected',
    origin: 'reference',
  },
  BATCH_REFUND_PAYLOAD: {
    reason: 'invalid_batch_settlement_evm_refund_payload',
    kind: 'rejected',
    origin: 'reference',
  },
  BATCH_REFUND_SIMULATION_FAILED: {
    reason: 'invalid_batch_settlement_evm_refund_simulation_failed',
    kind: 'rejected',
    origin: 'reference',
  },
  BATCH_RPC_READ_FAILED: {
    reason: 'invalid_batch_settlement_evm_rpc_read_failed',
    kind: 'unavailable',
    origin: 'reference',
  },
  BATCH_PERMIT2_AUTHORIZATION_REQUIRED: {
    reason: 'invalid_batch_settlement_evm_permit2_authorization_required',
    kind: 'rejected',
    origin: 'reference',
  },
  BATCH_PERMIT2_INVALID_SPENDER: {
    reason: 'invalid_batch_settlement_evm_permit2_invalid_spender',
    kind: 'rejected',
    origin: 'reference',
  },
  BATCH_PERMIT2_AMOUNT_MISMATCH: {
    reason: 'invalid_batch_settlement_evm_permit2_amount_mismatch',
    kind: 'rejected',
    origin: 'reference',
  },
  BATCH_PERMIT2_DEADLINE_EXPIRED: {
    reason: 'invalid_batch_settlement_evm_permit2_deadline_expired',
    kind: 'rejected',
    origin: 'reference',
  },
  BATCH_PERMIT2_INVALID_SIGNATURE: {
    reason: 'invalid_batch_settlement_evm_permit2_invalid_signature',
    kind: 'rejected',
    origin: 'reference',
  },
  BATCH_PERMIT2_ALLOWANCE_REQUIRED: {
    reason: 'invalid_batch_settlement_evm_permit2_allowance_required',
    kind: 'rejected',
    origin: 'reference',
  },
  BATCH_EIP2612_AMOUNT_MISMATCH: {
    reason: 'invalid_batch_settlement_evm_eip2612_amount_mismatch',
    kind: 'rejected',
    origin: 'reference',
  },
  BATCH_EIP2612_OWNER_MISMATCH: {
    reason: 'invalid_batch_settlement_evm_eip2612_owner_mismatch',
    kind: 'rejected',
    origin: 'reference',
  },
  BATCH_EIP2612_ASSET_MISMATCH: {
    reason: 'invalid_batch_settlement_evm_eip2612_asset_mismatch',
    kind: 'rejected',
    origin: 'reference',
  },
  BATCH_EIP2612_SPENDER_MISMATCH: {
    reason: 'invalid_batch_settlement_evm_eip2612_spender_mismatch',
    kind: 'rejected',
    origin: 'reference',
  },
  BATCH_EIP2612_DEADLINE_EXPIRED: {
    reason: 'invalid_batch_settlement_evm_eip2612_deadline_expired',
    kind: 'rejected',
    origin: 'reference',
  },
  BATCH_ERC20_APPROVAL_UNAVAILABLE: {
    reason: 'invalid_batch_settlement_evm_erc20_approval_unavailable',
    kind: 'rejected',
    origin: 'reference',
  },
  BATCH_CUMULATIVE_AMOUNT_MISMATCH: {
    reason: 'invalid_batch_settlement_evm_cumulative_amount_mismatch',
    kind: 'rejected',
    origin: 'reference',
  },
  BATCH_CHANNEL_BUSY: {
    reason: 'invalid_batch_settlement_evm_channel_busy',
    kind: 'unavailable',
    origin: 'reference',
  },
  BATCH_VERIFICATION_STATE_UNAVAILABLE: {
    reason: 'invalid_batch_settlement_evm_verification_state_unavailable',
    kind: 'unavailable',
    origin: 'reference',
  },
  BATCH_CHARGE_EXCEEDS_SIGNED_CUMULATIVE: {
    reason: 'invalid_batch_settlement_evm_charge_exceeds_signed_cumulative',
    kind: 'rejected',
    origin: 'reference',
  },
  BATCH_MISSING_CHANNEL: {
    reason: 'invalid_batch_settlement_evm_missing_channel',
    kind: 'rejected',
    origin: 'reference',
  },
  BATCH_REFUND_NO_BALANCE: {
    reason: 'invalid_batch_settlement_evm_refund_no_balance',
    kind: 'rejected',
    origin: 'reference',
  },
  BATCH_REFUND_AMOUNT_INVALID: {
    reason: 'invalid_batch_settlement_evm_refund_amount_invalid',
    kind: 'rejected',
    origin: 'reference',
  },
  // A refund the facilitator's authorizer would sign, asked by a caller not keyed to the payee.
  BATCH_REFUND_NOT_AUTHORIZED: {
    reason: 'invalid_batch_settlement_evm_refund_not_authorized',
    kind: 'rejected',
    origin: 'tollgate',
  },
} as const satisfies Record<string, CodeEntry>
