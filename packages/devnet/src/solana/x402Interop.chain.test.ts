/**
 * Goal: the official @x402/svm code works against the Solana devnet's RPC. Its client builds an
 * `exact` payment (reading the mint and the latest blockhash through the endpoint) that
 * simulates successfully with sigVerify once the fee payer has signed, and its facilitator
 * verifies and settles that payment. Method: real litesvm, real HTTP, the published @x402/svm
 * classes; the network is Solana devnet's CAIP-2 id because @x402/svm refuses any other (see
 * the note on `X402_SOLANA_DEVNET`).
 */
import {
  address,
  createKeyPairFromBytes,
  createKeyPairSignerFromBytes,
  createSolanaRpc,
  getBase58Encoder,
  getBase64EncodedWireTransaction,
  getBase64Encoder,
  getTransactionDecoder,
  isSolanaError,
  partiallySignTransaction,
  SOLANA_ERROR__JSON_RPC__SERVER_ERROR_TRANSACTION_SIGNATURE_VERIFICATION_FAILURE,
  signature,
} from '@solana/kit'
import { findAssociatedTokenPda, TOKEN_PROGRAM_ADDRESS } from '@solana-program/token'
import { toFacilitatorSvmSigner } from '@x402/svm'
import { ExactSvmScheme as ExactSvmClient } from '@x402/svm/exact/client'
import { ExactSvmScheme as ExactSvmFacilitator } from '@x402/svm/exact/facilitator'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type SolanaDevnet, startSolanaDevnet } from './startSolanaDevnet.ts'

/**
 * @x402/svm 2.27 builds its RPC client from the network id and accepts only the three public
 * clusters' CAIP-2 ids, whatever RPC URL it is given. Interop tests therefore label the devnet as
 * Solana devnet; the endpoint itself ignores the label.
 */
const X402_SOLANA_DEVNET = 'solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1'

let devnet: SolanaDevnet

beforeAll(async () => {
  devnet = await startSolanaDevnet({ blockTimeMs: 0 })
})

afterAll(async () => {
  await devnet?.stop()
})

function secretKeyBytes(secretKey: string) {
  return getBase58Encoder().encode(secretKey)
}

async function requirementsAndPayload() {
  const requirements = {
    scheme: 'exact',
    network: X402_SOLANA_DEVNET,
    asset: devnet.mint,
    payTo: devnet.merchant.address,
    amount: '1000',
    maxTimeoutSeconds: 60,
    extra: { feePayer: devnet.feePayer.address },
  } as const
  const payer = await createKeyPairSignerFromBytes(secretKeyBytes(devnet.payer.secretKey))
  const client = new ExactSvmClient(payer, { rpcUrl: devnet.rpcUrl })
  const { x402Version, payload } = await client.createPaymentPayload(2, requirements)
  const transaction = payload.transaction
  if (typeof transaction !== 'string') throw new Error('the payload carries no transaction')
  return { requirements, x402Version, payload, transaction }
}

async function merchantBalance(): Promise<bigint> {
  const [merchantAta] = await findAssociatedTokenPda({
    owner: address(devnet.merchant.address),
    mint: address(devnet.mint),
    tokenProgram: TOKEN_PROGRAM_ADDRESS,
  })
  const rpc = createSolanaRpc(devnet.rpcUrl)
  return BigInt((await rpc.getTokenAccountBalance(merchantAta).send()).value.amount)
}

describe('@x402/svm exact client against the devnet', () => {
  it('builds a payment that simulates with sigVerify once the fee payer has signed', async () => {
    const { transaction } = await requirementsAndPayload()
    const rpc = createSolanaRpc(devnet.rpcUrl)
    const partial = getTransactionDecoder().decode(getBase64Encoder().encode(transaction))
    // The fee payer's slot is empty, so full signature verification fails before it signs.
    const unsigned = getBase64EncodedWireTransaction(partial)
    const refused = await rpc
      .simulateTransaction(unsigned, { encoding: 'base64', sigVerify: true })
      .send()
      .catch((error: unknown) => error)
    const code = SOLANA_ERROR__JSON_RPC__SERVER_ERROR_TRANSACTION_SIGNATURE_VERIFICATION_FAILURE
    expect(isSolanaError(refused, code)).toBe(true)
    const feePayerKeys = await createKeyPairFromBytes(secretKeyBytes(devnet.feePayer.secretKey))
    const signed = await partiallySignTransaction([feePayerKeys], partial)
    const simulation = await rpc
      .simulateTransaction(getBase64EncodedWireTransaction(signed), {
        encoding: 'base64',
        sigVerify: true,
      })
      .send()
    expect(simulation.value.err).toBeNull()
    // ComputeBudget ×2, TransferChecked, Memo: every program the client uses exists here.
    const invoked = simulation.value.logs?.filter((line) => / invoke \[1\]$/.test(line))
    expect(invoked).toEqual([
      'Program ComputeBudget111111111111111111111111111111 invoke [1]',
      'Program ComputeBudget111111111111111111111111111111 invoke [1]',
      `Program ${TOKEN_PROGRAM_ADDRESS} invoke [1]`,
      'Program MemoSq4gqABAXKb96qnH8TysNcWxMyWCqXgDLGmfcHr invoke [1]',
    ])
  })
})

describe('@x402/svm exact facilitator against the devnet', () => {
  it('verifies and settles the client payment, moving the tokens once', async () => {
    const { requirements, x402Version, payload } = await requirementsAndPayload()
    const feePayer = await createKeyPairSignerFromBytes(secretKeyBytes(devnet.feePayer.secretKey))
    const signer = toFacilitatorSvmSigner(feePayer, { defaultRpcUrl: devnet.rpcUrl })
    const facilitator = new ExactSvmFacilitator(signer)
    const paymentPayload = { x402Version, payload, accepted: requirements }
    const before = await merchantBalance()
    const verified = await facilitator.verify(paymentPayload, requirements)
    expect(verified).toMatchObject({ isValid: true, payer: devnet.payer.address })
    const settled = await facilitator.settle(paymentPayload, requirements)
    expect(settled).toMatchObject({ success: true, network: X402_SOLANA_DEVNET })
    expect(await merchantBalance()).toBe(before + 1_000n)
    const rpc = createSolanaRpc(devnet.rpcUrl)
    const [status] = (await rpc.getSignatureStatuses([signature(settled.transaction)]).send()).value
    expect(status).toMatchObject({ err: null, confirmationStatus: 'finalized' })
  })
})
