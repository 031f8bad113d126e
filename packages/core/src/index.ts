// biome-ignore-all lint/performance/noBarrelFile: the package entrypoint
/**
 * @module @tollgate/core
 * x402 wire types and schemas, header codecs, v1 translation, CAIP-2 helpers, money, the error
 * code table, the scheme role interfaces and the credit book (with one in memory). Depends on zod
 * and Web APIs only.
 */

export {
  type ChainDescriptor,
  type ChainFacilitator,
  type ChainFacilitatorContext,
  type ChainFacilitatorPlugin,
  type ChainNetworkSetup,
  type ConfigSecrets,
  chainOf,
  type FeeUnit,
  withNetworkNames,
} from './chains.ts'
export {
  type CreditAgentSummary,
  type CreditBook,
  type CreditChange,
  type CreditEntry,
  type CreditLimits,
  type CreditListOptions,
  type CreditRefusalCode,
  type CreditReservation,
  type CreditState,
  creditListLimitDefault,
  creditListLimitMax,
  creditStates,
  type NewCreditEntry,
} from './credit.ts'
export type {
  CreditApplication,
  CreditDecision,
  CreditLine,
  CreditOperation,
} from './creditLine.ts'
export { MemoryCreditBook, type MemoryCreditBookOptions } from './creditMemory.ts'
export {
  type CreditStanding,
  checkCreditReservation,
  checkCreditTime,
  checkCreditTransaction,
  creditAdmission,
  creditListLimit,
  creditReason,
  creditReasonLengthMax,
  creditRefusal,
  repeatedReservation,
} from './creditRules.ts'
export {
  type BazaarDeclaration,
  type BazaarInfo,
  type BazaarInput,
  type BazaarParseResult,
  bazaarInfoSchema,
  bazaarKey,
  bazaarToolName,
  isValidRouteTemplate,
  parseBazaarExtension,
} from './discovery/bazaar.ts'
export {
  type DiscoveryCatalog,
  type DiscoveryEntry,
  type DiscoveryFilters,
  type DiscoveryItem,
  type DiscoveryListQuery,
  type DiscoverySearchQuery,
  discoveryAddressKey,
  discoveryLimits,
  discoverySearchTerms,
  discoveryUrlWords,
  mergeDiscoveryItems,
} from './discovery/catalog.ts'
export { decodeBase64Utf8, encodeBase64Utf8 } from './encoding/base64.ts'
export { parseStrictJson } from './encoding/strictJson.ts'
export {
  codeOfReason,
  type ErrorCode,
  type ErrorKind,
  type ErrorReason,
  errorCodes,
  reasonOf,
} from './errors/codes.ts'
export { reject, settleFailure, settleFailureFromVerify } from './errors/reject.ts'
export { assert, isTollgateError, TollgateError } from './errors/TollgateError.ts'
export {
  finalityKey,
  finalityOf,
  type SettlementFinality,
  withFinality,
} from './finality.ts'
export {
  type FacilitatorClient,
  facilitatorRequestBody,
  HttpFacilitatorClient,
  type HttpFacilitatorClientOptions,
} from './http/facilitatorClient.ts'
export {
  decodeJsonHeader,
  decodePaymentRequiredHeader,
  decodePaymentResponseHeader,
  encodeJsonHeader,
  encodePaymentHeader,
  encodePaymentRequiredHeader,
  encodePaymentResponseHeader,
  paymentHeaderLengthMax,
  paymentHeaders,
} from './http/headers.ts'
export {
  type ClaimResult,
  isPaymentState,
  type LedgerPayment,
  type LedgerTransaction,
  type NewPayment,
  type PaymentChange,
  type PaymentState,
  type PaymentSummary,
  paymentStates,
  paymentSummary,
  type SettlementLedger,
  type SignedTransaction,
  type TransactionState,
  terminalPaymentStates,
} from './ledger.ts'
export type {
  AssetLabel,
  DashboardOverview,
  LatencyPercentiles,
  LedgerOverview,
  LedgerReports,
  MerchantRevenue,
  PaymentEvent,
  PaymentHistory,
  PaymentSearch,
  ReportRange,
  ResourceRevenue,
  SignerActivity,
  TransactionReport,
} from './ledgerReports.ts'
export type {
  MessagePaymentDetails,
  MessageReleaseCause,
  MessageSettlementClaim,
  MessageSettlementRecord,
  MessageSettlementRecords,
  MessageSettlementState,
  MessageSubmission,
} from './messageSettlements.ts'
export { mergeAssetTables } from './money/assetTables.ts'
export { formatAtomicUnits, toAtomicUnits } from './money/money.ts'
export {
  type Caip2,
  evmChainId,
  networkMatches,
  parseCaip2,
  solanaNetworks,
  toCaip2,
  toLegacyNetwork,
} from './networks/caip2.ts'
export {
  type OfferPayload,
  type OfferReceiptSigner,
  offerReceiptKey,
  offerReceiptVersion,
  type ReceiptPayload,
  type SignatureFormat,
  type SignedOffer,
  type SignedReceipt,
} from './offerReceipt.ts'
export {
  decodePaymentUse,
  encodePaymentUse,
  leaseExpired,
  type PaymentClaim,
  type PaymentUse,
  type PaymentUseState,
  paymentLeaseMs,
  paymentUseTtlMs,
  type ResponseStore,
  type StoredResponse,
  storedBodyBytesMax,
} from './responseStore.ts'
export type {
  AssetDescription,
  ChannelReport,
  LocalVerdict,
  PaymentContext,
  PaymentFacts,
  Price,
  ReadinessCheck,
  SchemeClient,
  SchemeFacilitator,
  SchemeServer,
  SchemeSettlement,
  SchemeStats,
  SettleContext,
  SignedPaymentOutcome,
} from './schemes.ts'
export { findMatchingRequirements, requirementsMatch } from './wire/match.ts'
export {
  parsePaymentPayload,
  parsePaymentRequired,
  parsePaymentRequirements,
  parseSettleResponse,
  parseSupportedResponse,
  parseVerifyResponse,
  versionOf,
} from './wire/parse.ts'
export {
  atomicAmountSchema,
  caip2Schema,
  facilitatorRequestSchema,
  paymentPayloadSchema,
  paymentRequiredSchema,
  paymentRequirementsSchema,
  resourceInfoSchema,
  settleResponseSchema,
  supportedResponseSchema,
  verifyResponseSchema,
} from './wire/schemas.ts'
export type {
  PaymentPayload,
  PaymentPayloadV1,
  PaymentRequired,
  PaymentRequiredV1,
  PaymentRequirements,
  PaymentRequirementsV1,
  ResourceInfo,
  SettleResponse,
  SupportedKind,
  SupportedResponse,
  VerifyResponse,
  X402Version,
} from './wire/types.ts'
export {
  paymentPayloadFromV1,
  paymentPayloadToV1,
  paymentRequiredFromV1,
  paymentRequiredToV1,
  requirementsFromV1,
  requirementsToV1,
  resourceFromV1,
  settleResponseToV1,
  v1PaymentMatches,
} from './wire/v1.ts'
export { describeZodError } from './wire/zodIssues.ts'
