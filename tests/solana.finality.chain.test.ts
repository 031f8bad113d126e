/**
 * Goal: on Solana only `finalized` is final, and the facilitator says so. A settlement is a
 * success at inclusion and confirmed once finalized; one whose block is abandoned goes back in
 * the ledger and lands again from the same signed bytes, with one debit; one that cannot land
 * before its blockhash expires fails for good, and the buyer can pay again; a fee payer without
 * lamports is a retryable answer that leaves the payment free to settle once funded; each
 * verification is recorded in the ledger.
 * Method: the embedded Solana devnet finalizing after 8 blocks, blocks only on advance(), and
 * dropping transactions on demand; our facilitator in this process, its settlements in an
 * embedded PGlite ledger; balances read from the chain.
 */
import {
  AccountRole,
  address,
  appendTransactionMessageInstruction,
  createSolanaRpc,
  createTransactionMessage,
  generateKeyPairSigner,
  getBase64EncodedWireTransaction,
  type KeyPairSigner,
  pipe,
  setTransactionMessageFeePayerSigner,
  setTransactionMessageLifetimeUsingBlockhash,
  signature,
  signTransactionMessageWithSigners,
  type TransactionPartialSigner,
} from '@solana/kit'
import {
  finalityOf,
  type LedgerPayment,
  type PaymentPayload,
  type PaymentRequirements,
  reasonOf,
  type SchemeFacilitator,
} from '@tollgate/core'
import { type SolanaDevnet, startSolanaDevnet } from '@tollgate/devnet'
import { openLedger, type SqlLedger, SqlMessageSettlements } from '@tollgate/ledger'
import {
  exactSvmClient,
  exactSvmFacilitator,
  readSvmTokenBalance,
  svmSignerFromSecretKey,
} from '@tollgate/svm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

/** Blocks after which the devnet finalizes a transaction. */
const slotsToFinalize = 8

let devnet: SolanaDevnet
let ledger: SqlLedger
let buyer: KeyPairSigner
let feePayer: KeyPairSigner
let rpc: ReturnType<typeof createSolanaRpc>

beforeAll(async () => {
  devnet = await startSolanaDevnet({ blockTimeMs: 0, slotsToFinalize })
  ledger = await openLedger()
  rpc = createSolanaRpc(devnet.rpcUrl)
  buyer = await svmSignerFromSecretKey(devnet.payer.secretKey)
  feePayer = await svmSignerFromSecretKey(devnet.feePayer.secretKey)
})

afterAll(async () => {
  await ledger?.close()
  await devnet?.stop()
})

/** Our facilitator on the devnet, requiring `finalized`, its settlements in the ledger. */
function facilitatorPaidBy(signer: TransactionPartialSigner): SchemeFacilitator {
  return exactSvmFacilitator({
    rpcUrl: devnet.rpcUrl,
    feePayers: [signer],
    networks: [devnet.network],
    assets: [{ address: devnet.mint, decimals: devnet.decimals }],
    finality: 'finalized',
    verifications: ledger,
    settle: {
      records: new SqlMessageSettlements(ledger.sql),
      pollIntervalMs: 20,
      rebroadcastIntervalMs: 50,
      confirmTimeoutMs: 600,
    },
  })
}

/** A new payment of `amount` from the devnet payer, its fee paid by the facilitator's signer. */
async function paymentOf(facilitator: SchemeFacilitator, amount: string) {
  const requirements: PaymentRequirements = {
    scheme: 'exact',
    network: devnet.network,
    amount,
    asset: devnet.mint,
    payTo: devnet.merchant.address,
    maxTimeoutSeconds: 60,
    extra: { ...facilitator.extra(devnet.network) },
  }
  const client = exactSvmClient({ signer: buyer, rpcUrl: devnet.rpcUrl })
  const payload: PaymentPayload = {
    x402Version: 2,
    accepted: requirements,
    payload: await client.createPayload(requirements, { x402Version: 2 }),
  }
  return { requirements, payload, settle: () => facilitator.settle(payload, requirements) }
}

/** The payer's and the merchant's test USDC. */
async function balances(): Promise<{ payer: bigint; merchant: bigint }> {
  const source = { rpcUrl: devnet.rpcUrl }
  const [payer, merchant] = await Promise.all([
    readSvmTokenBalance(source, devnet.payer.address, devnet.mint),
    readSvmTokenBalance(source, devnet.merchant.address, devnet.mint),
  ])
  return { payer, merchant }
}

/** The ledger's payment for the payment with this amount (each test pays its own amount). */
async function ledgerPayment(amount: string): Promise<LedgerPayment> {
  const payments = await ledger.recent({ limit: 100, network: devnet.network })
  const found = payments.find((payment) => payment.amount === amount)
  expect(found, `a ledger payment of ${amount}`).toBeDefined()
  return found as LedgerPayment
}

/** The states the payment went through, oldest first. */
async function history(payment: LedgerPayment): Promise<string[]> {
  const rows = await ledger.sql.query<{ state: string }>(
    'select state from tollgate_payment_events where payment_id = $1 order by id',
    [payment.id],
  )
  return rows.map((row) => row.state)
}

/** Whether the cluster knows the transaction at all. */
async function chainKnows(transaction: string): Promise<boolean> {
  const { value } = await rpc
    .getSignatureStatuses([signature(transaction)], { searchTransactionHistory: true })
    .send()
  return value[0] !== null
}

describe('Solana finality', () => {
  it('answers included, then confirmed once finalized, in step with the ledger', async () => {
    const { settle } = await paymentOf(facilitatorPaidBy(feePayer), '1001')
    const included = await settle()
    expect(included.success).toBe(true)
    expect(finalityOf(included)).toMatchObject({ state: 'included', required: 32 })
    expect((await ledgerPayment('1001')).state).toBe('included')
    devnet.advance(1)
    const again = await settle()
    expect([again.transaction, finalityOf(again)?.state]).toEqual([
      included.transaction,
      'included',
    ])
    devnet.advance(slotsToFinalize)
    const confirmed = await settle()
    expect(confirmed).toMatchObject({ success: true, transaction: included.transaction })
    expect(finalityOf(confirmed)).toMatchObject({ state: 'confirmed', required: 32 })
    const payment = await ledgerPayment('1001')
    expect([payment.state, payment.transaction]).toEqual(['confirmed', included.transaction])
    expect(await history(payment)).toEqual([
      'received',
      'verified',
      'submitted',
      'included',
      'confirmed',
    ])
    expect(await settle()).toEqual(confirmed)
  })

  it('sends a dropped settlement again from the same bytes, pending meanwhile, debiting once', async () => {
    const { settle } = await paymentOf(facilitatorPaidBy(feePayer), '2002')
    const before = await balances()
    const included = await settle()
    expect(finalityOf(included)?.state).toBe('included')
    expect(await balances()).toEqual({
      payer: before.payer - 2002n,
      merchant: before.merchant + 2002n,
    })

    expect(devnet.dropTransaction(included.transaction, { resendsLostForSlots: 2 })).toEqual([
      included.transaction,
    ])
    expect(await balances()).toEqual(before)
    const gap = await settle()
    expect(gap).toMatchObject({
      success: false,
      errorReason: reasonOf('SETTLEMENT_PENDING'),
      transaction: included.transaction,
    })
    expect(await chainKnows(included.transaction)).toBe(false)
    expect((await ledgerPayment('2002')).state).toBe('pending')

    devnet.advance(2)
    const landedAgain = await settle()
    expect(landedAgain).toMatchObject({ success: true, transaction: included.transaction })
    expect(finalityOf(landedAgain)?.state).toBe('included')
    expect(await chainKnows(included.transaction)).toBe(true)
    devnet.advance(slotsToFinalize)
    const confirmed = await settle()
    expect(finalityOf(confirmed)?.state).toBe('confirmed')
    expect(await balances()).toEqual({
      payer: before.payer - 2002n,
      merchant: before.merchant + 2002n,
    })
    const payment = await ledgerPayment('2002')
    expect(await history(payment)).toEqual([
      'received',
      'verified',
      'submitted',
      'included',
      'submitted',
      'pending',
      'included',
      'confirmed',
    ])
  })

  it('fails a dropped settlement for good once its blockhash expired, and lets the buyer pay again', async () => {
    const facilitator = facilitatorPaidBy(feePayer)
    const { settle } = await paymentOf(facilitator, '3003')
    const before = await balances()
    const included = await settle()
    expect(included.success).toBe(true)
    devnet.dropTransaction(included.transaction, { resendsLostForSlots: 1_000 })
    // Past the 150 blocks its blockhash is valid for: it can never land now.
    devnet.advance(151)
    const failed = await settle()
    expect(failed).toMatchObject({
      success: false,
      errorReason: reasonOf('SVM_EXACT_BLOCK_HEIGHT_EXCEEDED'),
      transaction: included.transaction,
    })
    expect(await settle()).toEqual(failed)
    const payment = await ledgerPayment('3003')
    expect([payment.state, payment.reason]).toEqual([
      'failed',
      reasonOf('SVM_EXACT_BLOCK_HEIGHT_EXCEEDED'),
    ])
    expect(await balances()).toEqual(before)

    const retry = await paymentOf(facilitator, '3003')
    const paid = await retry.settle()
    expect(paid.success).toBe(true)
    expect(paid.transaction).not.toBe(included.transaction)
    devnet.advance(slotsToFinalize)
    expect(finalityOf(await retry.settle())?.state).toBe('confirmed')
    expect(await balances()).toEqual({
      payer: before.payer - 3003n,
      merchant: before.merchant + 3003n,
    })
  })

  it('answers a fee payer without lamports as retryable, and settles once after funding', async () => {
    const dry = await generateKeyPairSigner()
    const { settle } = await paymentOf(facilitatorPaidBy(dry), '4004')
    const before = await balances()
    const refused = await settle()
    expect(refused).toMatchObject({
      success: false,
      errorReason: reasonOf('SVM_FEE_PAYER_UNFUNDED'),
    })
    const open = await ledgerPayment('4004')
    expect([open.state, open.reason]).toEqual(['received', reasonOf('SVM_FEE_PAYER_UNFUNDED')])
    expect((await settle()).errorReason).toBe(reasonOf('SVM_FEE_PAYER_UNFUNDED'))

    await fund(dry, 1_000_000_000n)
    const paid = await settle()
    expect(paid.success).toBe(true)
    devnet.advance(slotsToFinalize)
    const confirmed = await settle()
    expect(confirmed).toMatchObject({ success: true, transaction: paid.transaction })
    expect(finalityOf(confirmed)?.state).toBe('confirmed')
    expect(await settle()).toEqual(confirmed)
    expect(await balances()).toEqual({
      payer: before.payer - 4004n,
      merchant: before.merchant + 4004n,
    })
    const payment = await ledgerPayment('4004')
    expect([payment.id, payment.state]).toEqual([open.id, 'confirmed'])
  })
})

describe('Solana verifications', () => {
  it('records each verification in the ledger, with its reason', async () => {
    const facilitator = facilitatorPaidBy(await generateKeyPairSigner())
    const { payload, requirements } = await paymentOf(facilitator, '5005')
    const answer = await facilitator.verify(payload, requirements)
    expect(answer).toMatchObject({
      isValid: false,
      invalidReason: reasonOf('SVM_FEE_PAYER_UNFUNDED'),
    })
    await facilitator.verify(payload, { ...requirements, amount: '5006' })
    const rows = () =>
      ledger.sql.query<{ reason: string | null }>(
        `select reason from tollgate_verifications where network = $1 and pay_to = $2
         and amount in (5005, 5006) order by amount`,
        [devnet.network, devnet.merchant.address],
      )
    // Written off the request's path: it may trail the answer by a moment.
    await expect.poll(async () => (await rows()).length).toBe(2)
    const [first, second] = await rows()
    expect(first?.reason).toBe(reasonOf('SVM_FEE_PAYER_UNFUNDED'))
    expect(second?.reason).not.toBeNull()
  })
})

/** Sends `amount` lamports from the devnet's funded fee payer to `to`. */
async function fund(to: KeyPairSigner, amount: bigint): Promise<void> {
  const { value: latest } = await rpc.getLatestBlockhash().send()
  const data = new Uint8Array(12)
  const view = new DataView(data.buffer)
  view.setUint32(0, 2, true)
  view.setBigUint64(4, amount, true)
  const message = pipe(
    createTransactionMessage({ version: 0 }),
    (draft) => setTransactionMessageFeePayerSigner(feePayer, draft),
    (draft) => setTransactionMessageLifetimeUsingBlockhash(latest, draft),
    (draft) =>
      appendTransactionMessageInstruction(
        {
          // The System Program's Transfer: instruction 2, then the lamports as a u64.
          programAddress: address('11111111111111111111111111111111'),
          accounts: [
            { address: feePayer.address, role: AccountRole.WRITABLE_SIGNER, signer: feePayer },
            { address: to.address, role: AccountRole.WRITABLE },
          ],
          data,
        },
        draft,
      ),
  )
  const signed = await signTransactionMessageWithSigners(message)
  await rpc.sendTransaction(getBase64EncodedWireTransaction(signed), { encoding: 'base64' }).send()
}
