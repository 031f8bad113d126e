import { type ErrorCode, isTollgateError, reasonOf } from '@tollgate/core'
import {
  type Address,
  erc20Abi,
  getAddress,
  type Hex,
  isAddressEqual,
  type PublicClient,
  parseEventLogs,
  type TransactionReceipt,
} from 'viem'
import { fetchContent } from './content.ts'
import {
  contentHash,
  type FeedbackFile,
  type ProofOfPayment,
  parseFeedbackFile,
} from './feedbackFile.ts'
import type { TrustClient } from './trustClient.ts'
import type { FeedbackRecord } from './types.ts'

/**
 * Another way a transaction can prove a payment, for schemes whose payments have no transfer of
 * their own (batch-settlement: the channel's deposit or claim), e.g.
 * `batchSettlementPaymentAnchor()` of `@tollgate/evm`.
 */
export type PaymentAnchor = (
  receipt: TransactionReceipt,
  proof: ProofOfPayment,
  publicClient: PublicClient,
) => Promise<boolean>

/** Why a feedback did not verify: a code from core's table, its reason, and the detail. */
export interface FeedbackProblem {
  code: ErrorCode
  reason: string
  message: string
}

export interface FeedbackVerdict {
  /** The file hashes to `feedbackHash`, describes this feedback, and its payment is on chain. */
  verified: boolean
  problems: FeedbackProblem[]
  feedback: FeedbackRecord
  file?: FeedbackFile | undefined
}

/**
 * Checks one feedback the way a provider deciding whom to trust must: fetch the file its event
 * names, check its bytes against `feedbackHash`, check the file describes this agent, reviewer
 * and value, then find its `proofOfPayment` on chain: a successful transaction with an ERC-20
 * `Transfer` from the payer to the payee (of one of `tokens`, when given), or one an `anchors`
 * plug-in accepts.
 */
export async function verifyFeedback(
  trust: TrustClient,
  agentId: bigint,
  client: Address,
  feedbackIndex: bigint,
  options: { tokens?: readonly Address[]; anchors?: readonly PaymentAnchor[] } = {},
): Promise<FeedbackVerdict> {
  const feedback = await trust.feedback(agentId, client, feedbackIndex)
  const problems: FeedbackProblem[] = []
  const fail = (code: ErrorCode, message: string) => {
    problems.push({ code, reason: reasonOf(code), message })
    return { verified: false, problems, feedback }
  }
  let bytes: Uint8Array
  try {
    bytes = await fetchContent(feedback.feedbackURI, trust.reader.fetch)
  } catch (error) {
    if (!isTollgateError(error)) throw error
    return fail(error.code, error.message)
  }
  if (contentHash(bytes) !== feedback.feedbackHash.toLowerCase())
    return fail(
      'TRUST_FEEDBACK_HASH_MISMATCH',
      `${feedback.feedbackURI} hashes to ${contentHash(bytes)}, the feedback commits to ${feedback.feedbackHash}`,
    )
  let file: FeedbackFile
  try {
    file = parseFeedbackFile(bytes)
  } catch (error) {
    if (!isTollgateError(error)) throw error
    return fail(error.code, error.message)
  }
  const verdict = (extra: FeedbackProblem[] = []) => ({
    verified: problems.length + extra.length === 0,
    problems: [...problems, ...extra],
    feedback,
    file,
  })
  const mismatch = describesOther(trust, feedback, file)
  if (mismatch) {
    fail('TRUST_FEEDBACK_FILE_MISMATCH', mismatch)
    return verdict()
  }
  const proof = file.proofOfPayment
  if (!proof) {
    fail('TRUST_PROOF_OF_PAYMENT_MISSING', 'the feedback file names no proofOfPayment')
    return verdict()
  }
  if (Number(proof.chainId) !== trust.chainId) {
    fail(
      'TRUST_PROOF_OF_PAYMENT_WRONG_CHAIN',
      `the payment is on chain ${proof.chainId}; this registry is on ${trust.chainId}`,
    )
    return verdict()
  }
  const receipt = await trust.reader.publicClient
    .getTransactionReceipt({ hash: proof.txHash as Hex })
    .catch(() => undefined)
  if (receipt?.status !== 'success') {
    fail(
      'TRUST_PROOF_OF_PAYMENT_NOT_FOUND',
      `${proof.txHash} is ${receipt ? 'a failed transaction' : 'not a transaction on this chain'}`,
    )
    return verdict()
  }
  const transfers = parseEventLogs({ abi: erc20Abi, logs: receipt.logs, eventName: 'Transfer' })
  const paid = transfers.some(
    (log) =>
      isAddressEqual(log.args.from, getAddress(proof.fromAddress)) &&
      isAddressEqual(log.args.to, getAddress(proof.toAddress)) &&
      log.args.value > 0n &&
      (!options.tokens || options.tokens.some((token) => isAddressEqual(token, log.address))),
  )
  const anchored =
    !paid &&
    (await someAsync(options.anchors ?? [], (anchor) =>
      anchor(receipt, proof, trust.reader.publicClient as PublicClient),
    ))
  if (!paid && !anchored)
    fail(
      'TRUST_PROOF_OF_PAYMENT_NO_TRANSFER',
      `${proof.txHash} moves no token from ${proof.fromAddress} to ${proof.toAddress}`,
    )
  return verdict()
}

async function someAsync<T>(items: readonly T[], test: (item: T) => Promise<boolean>) {
  for (const item of items) if (await test(item).catch(() => false)) return true
  return false
}

/** What in the file disagrees with the feedback on chain, if anything. */
function describesOther(trust: TrustClient, feedback: FeedbackRecord, file: FeedbackFile) {
  if (file.agentRegistry.toLowerCase() !== trust.agentRegistry.toLowerCase())
    return `the file is about ${file.agentRegistry}, not ${trust.agentRegistry}`
  if (BigInt(file.agentId) !== feedback.agentId)
    return `the file is about agent ${file.agentId}, not ${feedback.agentId}`
  const reviewer = file.clientAddress.split(':')[2] ?? ''
  if (reviewer.toLowerCase() !== feedback.client.toLowerCase())
    return `the file names reviewer ${reviewer}, the feedback came from ${feedback.client}`
  return undefined
}
