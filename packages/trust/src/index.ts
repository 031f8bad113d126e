/**
 * @tollgate/trust: ERC-8004 on viem. Agents register an identity whose URI points at their
 * registration file; reviewers leave feedback whose file (with the x402 payment it rests on) is
 * published and hashed byte for byte; providers read reputation over reviewers they name, and
 * verify a feedback down to its payment on chain.
 * @module
 */
export { agentWalletTypedData } from './agentWallet.ts'
export {
  type ContentStore,
  contentBytesMax,
  contentRoutes,
  type FetchContentOptions,
  FolderContentStore,
  fetchContent,
  MemoryContentStore,
  publishContent,
} from './content.ts'
export { type CreditFeedbackOptions, creditFeedback } from './credit/creditFeedback.ts'
export { type ReputationCreditOptions, reputationCredit } from './credit/reputationCredit.ts'
export {
  contentHash,
  type FeedbackFile,
  feedbackFileBytes,
  feedbackFileSchema,
  type ProofOfPayment,
  parseFeedbackFile,
  proofOfPayment,
} from './feedbackFile.ts'
export { type FixedPoint, feedbackDecimalsMax, fromFixedPoint, toFixedPoint } from './fixedPoint.ts'
export { registerAgent } from './registerAgent.ts'
export {
  type AgentService,
  parseRegistrationFile,
  type RegistrationFile,
  type RegistrationInput,
  registrationFile,
  registrationFileSchema,
  registrationFileType,
} from './registrationFile.ts'
export { revertName } from './send.ts'
export * from './siwx/index.ts'
export { TrustClient, type TrustClientOptions } from './trustClient.ts'
export type { AgentIdentity, FeedbackRecord, Registries, Reputation } from './types.ts'
export {
  type FeedbackProblem,
  type FeedbackVerdict,
  type PaymentAnchor,
  verifyFeedback,
} from './verifyFeedback.ts'
