export {
  type AgentCallerVerdict,
  type AgentDeclaration,
  AgentWallets,
  agentIdentityDeclaration,
  agentIdentityExtension,
  declaredAgent,
} from './agentCaller.ts'
export { type AgentIdentityOptions, agentIdentity } from './agentIdentity.ts'
export { siwxMessage } from './message.ts'
export {
  type EvmMessageSigner,
  type SignatureRefusal,
  type SiwxSignatureOptions,
  type SolanaMessageSigner,
  signSiwxChallenge,
  verifySiwxSignature,
} from './signatures.ts'
export {
  MemoryUsedNonces,
  SiwxGate,
  type SiwxGateOptions,
  type SiwxOperation,
  type SiwxRequest,
  type SiwxVerdict,
  type UsedNonces,
} from './siwxGate.ts'
export {
  encodeSiwxHeader,
  parseSiwxHeader,
  SIGN_IN_WITH_X,
  type SiwxChallenge,
  type SiwxExtension,
  type SiwxInfo,
  type SiwxPayload,
  type SupportedChain,
  siwxExtensionSchema,
  siwxJsonSchema,
  siwxPayloadSchema,
} from './wire.ts'
