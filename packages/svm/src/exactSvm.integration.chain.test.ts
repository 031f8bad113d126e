/**
 * Goal: the three roles work against a real SVM. Our client pays, our facilitator verifies and
 * settles once and the tokens move; a repeat, a re-encoded and a re-signed copy of the payment
 * get the same transaction and move nothing more; the official @x402/svm client's transaction
 * passes our verify and settles, and ours passes the official facilitator's verify.
 * Method: litesvm behind the devnet's JSON-RPC endpoint, blocks only on advance().
 */

import {
  type Address,
  address,
  createSolanaRpc,
  getBase64Decoder,
  getBase64Encoder,
  type KeyPairSigner,
  signature,
} from '@solana/kit'
import { findAssociatedTokenPda } from '@solana-program/token'
import { type PaymentRequirements, reasonOf, solanaNetworks } from '@tollgate/core'
import { type SolanaDevnet, startSolanaDevnet } from '@tollgate/devnet'
import { toFacilitatorSvmSigner } from '@x402/svm'
import { ExactSvmScheme as OfficialClient } from '@x402/svm/exact/client'
import { ExactSvmScheme as OfficialFacilitator } from '@x402/svm/exact/facilitator'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { exactSvmClient } from './client.ts'
import { tokenProgram } from './constants.ts'
import { exactSvmFacilitator } from './facilitator/exactSvmFacilitator.ts'
import { svmSignerFromSecretKey } from './signer.ts'
import { countingSigner, paymentOf } from './testing/fixtures.ts'

let devnet: SolanaDevnet
let rpc: ReturnType<typeof createSolanaRpc>
let buyer: KeyPairSigner
let feePayer: KeyPairSigner
let merchantAccount: Address
let buyerAccount: Address

beforeAll(async () => {
  devnet = await startSolanaDevnet({ blockTimeMs: 0 })
  rpc = createSolanaRpc(devnet.rpcUrl)
  buyer = await svmSignerFromSecretKey(devnet.payer.secretKey)
  feePayer = await svmSignerFromSecretKey(devnet.feePayer.secretKey)
  merchantAccount = await associated(devnet.merchant.address)
  buyerAccount = await associated(devnet.payer.address)
})

afterAll(async () => {
  await devnet?.stop()
})

async function associated(owner: string): Promise<Address> {
  const [account] = await findAssociatedTokenPda({
    owner: address(owner),
    mint: address(devnet.mint),
    tokenProgram,
  })
  return account
}

/** A token account's amount: the u64 after its mint and owner. */
async function tokens(account: Address): Promise<bigint> {
  const { value } = await rpc.getAccountInfo(account, { encoding: 'base64' }).send()
  const data = Uint8Array.from(getBase64Encoder().encode(value?.data[0] ?? ''))
  return new DataView(data.buffer).getBigUint64(64, true)
}

function setup(network: string, amount: string) {
  const counting = countingSigner(feePayer)
  const facilitator = exactSvmFacilitator({
    rpcUrl: devnet.rpcUrl,
    feePayers: [counting.signer],
    networks: [network],
    assets: [{ address: devnet.mint, decimals: devnet.decimals }],
    settle: { pollIntervalMs: 20, confirmTimeoutMs: 5_000 },
  })
  const requirements: PaymentRequirements = {
    scheme: 'exact',
    network,
    amount,
    asset: devnet.mint,
    payTo: devnet.merchant.address,
    maxTimeoutSeconds: 60,
    extra: { ...facilitator.extra(network) },
  }
  return { facilitator, requirements, signatures: counting.signatures }
}

describe('exact SVM on the devnet', () => {
  it('pays once, and answers every copy of the payment with the same transaction', async () => {
    const { facilitator, requirements, signatures } = setup(devnet.network, '250000')
    const client = exactSvmClient({ signer: buyer, rpcUrl: devnet.rpcUrl })
    const payment = paymentOf(
      requirements,
      String((await client.createPayload(requirements, { x402Version: 2 })).transaction),
    )
    const before = [await tokens(buyerAccount), await tokens(merchantAccount)]
    expect(await facilitator.verify(payment, requirements)).toEqual({
      isValid: true,
      payer: buyer.address,
    })
    const settled = await facilitator.settle(payment, requirements)
    expect(settled).toMatchObject({ success: true, payer: buyer.address, network: devnet.network })
    const after = [await tokens(buyerAccount), await tokens(merchantAccount)]
    expect(after).toEqual([before[0]! - 250_000n, before[1]! + 250_000n])

    const transaction = String(payment.payload.transaction)
    const bytes = Uint8Array.from(getBase64Encoder().encode(transaction))
    bytes.set(crypto.getRandomValues(new Uint8Array(64)), 1)
    const reencoded = getBase64Decoder().decode(bytes)
    const resigned = await rpc
      .getTransaction(signature(settled.transaction), {
        encoding: 'base64',
        maxSupportedTransactionVersion: 0,
      })
      .send()
    for (const copy of [transaction, reencoded, String(resigned?.transaction[0])]) {
      expect(await facilitator.settle(paymentOf(requirements, copy), requirements)).toEqual(settled)
    }
    expect([await tokens(buyerAccount), await tokens(merchantAccount)]).toEqual(after)
    expect(signatures()).toBe(1)
  })

  it('refuses a payment the buyer cannot fund, and one whose blockhash expired', async () => {
    const { facilitator, requirements, signatures } = setup(devnet.network, String(10n ** 15n))
    const client = exactSvmClient({ signer: buyer, rpcUrl: devnet.rpcUrl })
    const payload = await client.createPayload(requirements, { x402Version: 2 })
    const tooMuch = paymentOf(requirements, String(payload.transaction))
    expect(await facilitator.verify(tooMuch, requirements)).toMatchObject({
      isValid: false,
      invalidReason: reasonOf('SVM_EXACT_SIMULATION_FAILED'),
    })
    const fair = setup(devnet.network, '1')
    const late = paymentOf(
      fair.requirements,
      String((await client.createPayload(fair.requirements, { x402Version: 2 })).transaction),
    )
    devnet.advance(151)
    expect((await fair.facilitator.settle(late, fair.requirements)).errorReason).toBe(
      reasonOf('SVM_EXACT_SIMULATION_FAILED'),
    )
    expect(signatures() + fair.signatures()).toBe(0)
  })

  it('interoperates with the official @x402/svm client and facilitator', async () => {
    // The official client reaches the cluster by network name, so the devnet plays Solana devnet.
    const network = solanaNetworks.devnet
    const { facilitator, requirements } = setup(network, '1000')
    const officialRequirements = { ...requirements, network, extra: requirements.extra ?? {} }
    const official = new OfficialClient(buyer, { rpcUrl: devnet.rpcUrl })
    const theirs = await official.createPaymentPayload(2, officialRequirements)
    const theirPayment = paymentOf(requirements, String(theirs.payload.transaction))
    expect(await facilitator.verify(theirPayment, requirements)).toEqual({
      isValid: true,
      payer: buyer.address,
    })
    const before = await tokens(merchantAccount)
    expect((await facilitator.settle(theirPayment, requirements)).success).toBe(true)
    expect(await tokens(merchantAccount)).toBe(before + 1000n)

    const ours = await exactSvmClient({ signer: buyer, rpcUrl: devnet.rpcUrl }).createPayload(
      requirements,
      { x402Version: 2 },
    )
    const officialFacilitator = new OfficialFacilitator(
      toFacilitatorSvmSigner(feePayer, { defaultRpcUrl: devnet.rpcUrl }),
    )
    const verdict = await officialFacilitator.verify(
      { x402Version: 2, accepted: officialRequirements, payload: ours },
      officialRequirements,
    )
    expect(verdict.isValid).toBe(true)
  })
})
