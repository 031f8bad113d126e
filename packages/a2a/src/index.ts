// biome-ignore-all lint/performance/noBarrelFile: the package entrypoint
/**
 * @module @tollgate/a2a
 * x402 over A2A (the x402 extension for A2A, in A2A v1.0 and v0.3): merchant agents that charge
 * for tasks, built on `@a2a-js/sdk`, and a client that hires them within a spending policy.
 */
export {
  type A2aHonoOptions,
  a2aHono,
  cardJson,
  withX402Spellings,
  x402ContextBuilder,
} from './a2aHono.ts'
export {
  a2aService,
  cardIdentity,
  declaresX402,
  type Erc8004Identity,
  erc8004ExtensionUri,
  type PaidAgentCardOptions,
  paidAgentCard,
} from './agentCard.ts'
export { chainOf, type MandateExtension, mandateExtensionKey, mandateNonce } from './ap2/binding.ts'
export {
  amountText,
  evaluateMandate,
  type MandateHistory,
  scaledAmount,
} from './ap2/constraints.ts'
export { FolderMandateLedger } from './ap2/folderMandateLedger.ts'
export { type MandateCheckOptions, mandateCheck } from './ap2/mandateCheck.ts'
export {
  type MandateLedger,
  type MandatePayerOptions,
  type MandateReservation,
  MemoryMandateLedger,
  mandatePayer,
} from './ap2/mandatePayer.ts'
export {
  type ClosedPaymentMandate,
  closedMandateFor,
  closedPaymentMandateVct,
  createOpenMandate,
  type MandateAmount,
  mandateId,
  type OpenMandateTerms,
  type OpenPaymentMandate,
  openPaymentMandateVct,
  type Payee,
  type PaymentInstrument,
  readClosedMandate,
  readOpenMandate,
} from './ap2/mandates.ts'
export {
  generateMandateKeys,
  type MandateKeys,
  publicJwkOf,
  verifyChain,
  verifyRoot,
} from './ap2/sdJwt.ts'
export {
  cartMandate,
  cartMandateKey,
  cartPaymentRequired,
  embeddedPayment,
  embeddedPaymentMessage,
  embeddedPaymentRequest,
  paymentMandateKey,
  x402PaymentMethod,
} from './embeddedFlow.ts'
export { FolderTaskStore } from './folderTaskStore.ts'
export {
  connectAgent,
  type Hired,
  type HireOptions,
  hireAgent,
  judgeTask,
  paymentAsk,
} from './hireAgent.ts'
export { artifact, dataOf, dataPart, message, textOf, textPart } from './messages.ts'
export {
  type PaidAgentOptions,
  type PaidTask,
  paidAgentExecutor,
  type TaskPricing,
  type TaskWork,
} from './paidAgent.ts'
export { isTransientReason, type PaymentRefusal, type TaskPaymentCheck } from './paymentChecks.ts'
export {
  isX402ExtensionUri,
  type X402ErrorCode,
  type X402PaymentStatus,
  x402ErrorCodeOf,
  x402ExtensionUri,
  x402ExtensionUris,
  x402MetadataKeys,
  x402PaymentStatuses,
} from './x402Extension.ts'
