/**
 * Goal: the Solana devnet behaves like a cluster for a @solana/kit client: genesis balances,
 * a real SPL TransferChecked that moves tokens and is reported finalized, signature checks,
 * 150-block blockhash expiry, refusal of a resent transaction, failed transactions recorded with
 * their error, and a port that is free again after stop(). Method: real litesvm behind the real
 * HTTP endpoint, driven by createSolanaRpc; blocks are produced only by advance().
 */
import { createServer } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import {
  address,
  appendTransactionMessageInstruction,
  type Blockhash,
  createKeyPairSignerFromBytes,
  createSolanaRpc,
  createTransactionMessage,
  getBase58Encoder,
  getBase64Decoder,
  getBase64EncodedWireTransaction,
  getSignatureFromTransaction,
  getTransactionDecoder,
  isSolanaError,
  type KeyPairSigner,
  pipe,
  SOLANA_ERROR__INSTRUCTION_ERROR__CUSTOM,
  SOLANA_ERROR__JSON_RPC__SERVER_ERROR_SEND_TRANSACTION_PREFLIGHT_FAILURE,
  SOLANA_ERROR__JSON_RPC__SERVER_ERROR_TRANSACTION_SIGNATURE_VERIFICATION_FAILURE,
  SOLANA_ERROR__TRANSACTION_ERROR__ALREADY_PROCESSED,
  SOLANA_ERROR__TRANSACTION_ERROR__BLOCKHASH_NOT_FOUND,
  setTransactionMessageFeePayerSigner,
  setTransactionMessageLifetimeUsingBlockhash,
  signTransactionMessageWithSigners,
} from '@solana/kit'
import {
  findAssociatedTokenPda,
  getTransferCheckedInstruction,
  TOKEN_PROGRAM_ADDRESS,
} from '@solana-program/token'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { isDevnetError } from '../errors.ts'
import { type SolanaDevnet, startSolanaDevnet } from './startSolanaDevnet.ts'

type Rpc = ReturnType<typeof createSolanaRpc>

const ALREADY_PROCESSED = SOLANA_ERROR__TRANSACTION_ERROR__ALREADY_PROCESSED
const BLOCKHASH_NOT_FOUND = SOLANA_ERROR__TRANSACTION_ERROR__BLOCKHASH_NOT_FOUND
type Lifetime = { blockhash: Blockhash; lastValidBlockHeight: bigint }

let devnet: SolanaDevnet
let rpc: Rpc
let payer: KeyPairSigner
let feePayer: KeyPairSigner
let payerAta: ReturnType<typeof address>
let merchantAta: ReturnType<typeof address>

async function ata(owner: string) {
  const [found] = await findAssociatedTokenPda({
    owner: address(owner),
    mint: address(devnet.mint),
    tokenProgram: TOKEN_PROGRAM_ADDRESS,
  })
  return found
}

/** A signed TransferChecked of `amount` from the payer to the merchant, fee paid by feePayer. */
async function transfer(amount: bigint, lifetime: Lifetime) {
  const message = pipe(
    createTransactionMessage({ version: 0 }),
    (m) => setTransactionMessageFeePayerSigner(feePayer, m),
    (m) => setTransactionMessageLifetimeUsingBlockhash(lifetime, m),
    (m) =>
      appendTransactionMessageInstruction(
        getTransferCheckedInstruction({
          source: payerAta,
          mint: address(devnet.mint),
          destination: merchantAta,
          authority: payer,
          amount,
          decimals: devnet.decimals,
        }),
        m,
      ),
  )
  const signed = await signTransactionMessageWithSigners(message)
  return {
    signature: getSignatureFromTransaction(signed),
    wire: getBase64EncodedWireTransaction(signed),
    messageBase64: getBase64Decoder().decode(signed.messageBytes),
  }
}

async function latest(): Promise<Lifetime> {
  return (await rpc.getLatestBlockhash().send()).value
}

async function tokenAmount(account: ReturnType<typeof address>): Promise<bigint> {
  return BigInt((await rpc.getTokenAccountBalance(account).send()).value.amount)
}

/** A raw JSON-RPC call, for methods whose kit types want branded inputs. */
async function rpcCall(method: string, params: unknown[]): Promise<{ result?: unknown }> {
  const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method, params })
  return (await fetch(devnet.rpcUrl, { method: 'POST', body })).json()
}

/** Resolves with the rejection of `promise`, failing the test if it resolves. */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    (value) => {
      throw new Error(`expected a rejection, got ${String(value)}`)
    },
    (error: unknown) => error,
  )
}

/**
 * The transaction error inside a -32002 preflight failure. Kit turns the `err` JSON into the
 * error's cause, so this also checks that kit understands the shapes the devnet sends.
 */
function preflightCause(error: unknown): unknown {
  const preflight = SOLANA_ERROR__JSON_RPC__SERVER_ERROR_SEND_TRANSACTION_PREFLIGHT_FAILURE
  if (!isSolanaError(error, preflight)) throw error
  return error.cause
}

beforeAll(async () => {
  devnet = await startSolanaDevnet({ blockTimeMs: 0 })
  rpc = createSolanaRpc(devnet.rpcUrl)
  payer = await createKeyPairSignerFromBytes(getBase58Encoder().encode(devnet.payer.secretKey))
  feePayer = await createKeyPairSignerFromBytes(
    getBase58Encoder().encode(devnet.feePayer.secretKey),
  )
  payerAta = await ata(devnet.payer.address)
  merchantAta = await ata(devnet.merchant.address)
})

afterAll(async () => {
  await devnet?.stop()
})

describe('startSolanaDevnet genesis', () => {
  it('funds the payer, the fee payer and the merchant token account', async () => {
    expect(payer.address).toBe(devnet.payer.address)
    expect(feePayer.address).toBe(devnet.feePayer.address)
    const sol = 1_000_000_000_000n
    expect((await rpc.getBalance(payer.address).send()).value).toBe(sol)
    expect((await rpc.getBalance(feePayer.address).send()).value).toBe(sol)
    const balance = (await rpc.getTokenAccountBalance(payerAta).send()).value
    expect(balance).toEqual({
      amount: '1000000000000',
      decimals: 6,
      uiAmount: 1_000_000,
      uiAmountString: '1000000',
    })
    expect(await tokenAmount(merchantAta)).toBe(0n)
    const mint = await rpc.getAccountInfo(address(devnet.mint), { encoding: 'base64' }).send()
    expect(mint.value?.owner).toBe(TOKEN_PROGRAM_ADDRESS)
  })

  it('names the network after the genesis hash', async () => {
    const genesis = await rpc.getGenesisHash().send()
    expect(devnet.network).toBe(`solana:${genesis.slice(0, 32)}`)
    expect(devnet.network).toBe('solana:CmpNeggWJ4JaWJeJ8YKN1Zypmk7uvQq3')
    expect(devnet.rpcUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
  })

  it('answers as another cluster when given its id, with the same genesis', async () => {
    const labelled = await startSolanaDevnet({
      blockTimeMs: 0,
      network: 'solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1',
    })
    try {
      expect(labelled.network).toBe('solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1')
      expect(labelled.mint).toBe(devnet.mint)
      expect(labelled.payer.address).toBe(devnet.payer.address)
    } finally {
      await labelled.stop()
    }
  })
})

describe('sendTransaction', () => {
  it('lands a TransferChecked, reports it finalized and moves the balances', async () => {
    const feePayerBefore = (await rpc.getBalance(feePayer.address).send()).value
    const merchantBefore = await tokenAmount(merchantAta)
    const tx = await transfer(1_000n, await latest())
    const fee = await rpcCall('getFeeForMessage', [tx.messageBase64])
    expect(fee.result).toMatchObject({ value: 10_000 })
    const signature = await rpc.sendTransaction(tx.wire, { encoding: 'base64' }).send()
    expect(signature).toBe(tx.signature)
    const statuses = await rpc
      .getSignatureStatuses([signature], { searchTransactionHistory: true })
      .send()
    expect(statuses.value[0]).toMatchObject({ err: null, confirmationStatus: 'finalized' })
    expect(await tokenAmount(merchantAta)).toBe(merchantBefore + 1_000n)
    const feePayerAfter = (await rpc.getBalance(feePayer.address).send()).value
    expect(feePayerBefore - feePayerAfter).toBe(10_000n)
    const found = await rpc
      .getTransaction(signature, { encoding: 'json', maxSupportedTransactionVersion: 0 })
      .send()
    expect(found?.meta?.err).toBeNull()
    expect(found?.meta?.fee).toBe(10_000n)
    expect(found?.version).toBe(0)
    const merchantIndex = found?.transaction.message.accountKeys.indexOf(merchantAta)
    const post = found?.meta?.postTokenBalances?.find((b) => b.accountIndex === merchantIndex)
    expect(post?.uiTokenAmount.amount).toBe(String(merchantBefore + 1_000n))
  })

  it('refuses a resent transaction as AlreadyProcessed and transfers only once', async () => {
    const tx = await transfer(7n, await latest())
    await rpc.sendTransaction(tx.wire, { encoding: 'base64' }).send()
    const after = await tokenAmount(merchantAta)
    const again = rpc.sendTransaction(tx.wire, { encoding: 'base64' }).send()
    expect(isSolanaError(preflightCause(await rejection(again)), ALREADY_PROCESSED)).toBe(true)
    const skipping = rpc.sendTransaction(tx.wire, { encoding: 'base64', skipPreflight: true })
    expect(isSolanaError(preflightCause(await rejection(skipping.send())), ALREADY_PROCESSED)).toBe(
      true,
    )
    expect(await tokenAmount(merchantAta)).toBe(after)
  })

  it('records a transaction that fails on chain, with its error, when preflight is skipped', async () => {
    const tx = await transfer(10n ** 15n, await latest())
    const preflight = rpc.sendTransaction(tx.wire, { encoding: 'base64' }).send()
    const cause = preflightCause(await rejection(preflight))
    expect(isSolanaError(cause, SOLANA_ERROR__INSTRUCTION_ERROR__CUSTOM)).toBe(true)
    expect(cause).toMatchObject({ context: { code: 1, index: 0 } })
    const signature = await rpc
      .sendTransaction(tx.wire, { encoding: 'base64', skipPreflight: true })
      .send()
    const [status] = (await rpc.getSignatureStatuses([signature]).send()).value
    const custom = { InstructionError: [0n, { Custom: 1n }] }
    expect(status).toMatchObject({ err: custom, confirmationStatus: 'finalized' })
  })
})

describe('signature verification', () => {
  it('rejects a bad signature in simulateTransaction with sigVerify and in sendTransaction', async () => {
    const tx = await transfer(1n, await latest())
    const bytes = Buffer.from(tx.wire, 'base64')
    // Signature 1 (the payer's) starts after the count byte and the fee payer's 64 bytes.
    bytes[1 + 64 + 5] = (bytes[1 + 64 + 5] ?? 0) ^ 0xff
    const tampered = getBase64EncodedWireTransaction(getTransactionDecoder().decode(bytes))
    const code = SOLANA_ERROR__JSON_RPC__SERVER_ERROR_TRANSACTION_SIGNATURE_VERIFICATION_FAILURE
    const simulated = rpc.simulateTransaction(tampered, { encoding: 'base64', sigVerify: true })
    expect(isSolanaError(await rejection(simulated.send()), code)).toBe(true)
    const sent = rpc.sendTransaction(tampered, { encoding: 'base64', skipPreflight: true })
    expect(isSolanaError(await rejection(sent.send()), code)).toBe(true)
    // Without sigVerify the simulation runs (as the reference facilitator relies on).
    const unchecked = await rpc.simulateTransaction(tampered, { encoding: 'base64' }).send()
    expect(unchecked.value.err).toBeNull()
    expect(unchecked.value.logs?.[0]).toBe(`Program ${TOKEN_PROGRAM_ADDRESS} invoke [1]`)
  })
})

describe('blockhash expiry', () => {
  it('accepts a 149-block-old blockhash and refuses a 151-block-old one', async () => {
    const lifetime = await latest()
    const height = await rpc.getBlockHeight().send()
    expect(lifetime.lastValidBlockHeight).toBe(height + 150n)
    const early = await transfer(11n, lifetime)
    const late = await transfer(12n, lifetime)
    devnet.advance(149)
    await rpc.sendTransaction(early.wire, { encoding: 'base64' }).send()
    devnet.advance(1)
    expect((await rpc.isBlockhashValid(lifetime.blockhash).send()).value).toBe(true)
    devnet.advance(1)
    expect(await rpc.getBlockHeight().send()).toBe(height + 151n)
    expect((await rpc.isBlockhashValid(lifetime.blockhash).send()).value).toBe(false)
    const refused = rpc.sendTransaction(late.wire, { encoding: 'base64' }).send()
    expect(isSolanaError(preflightCause(await rejection(refused)), BLOCKHASH_NOT_FOUND)).toBe(true)
    const skipped = rpc.sendTransaction(late.wire, { encoding: 'base64', skipPreflight: true })
    expect(
      isSolanaError(preflightCause(await rejection(skipped.send())), BLOCKHASH_NOT_FOUND),
    ).toBe(true)
    const simulated = await rpc.simulateTransaction(late.wire, { encoding: 'base64' }).send()
    expect(simulated.value.err).toBe('BlockhashNotFound')
    const replaced = await rpc
      .simulateTransaction(late.wire, { encoding: 'base64', replaceRecentBlockhash: true })
      .send()
    expect(replaced.value.err).toBeNull()
    expect(replaced.value.replacementBlockhash?.blockhash).toBe((await latest()).blockhash)
    const fee = await rpcCall('getFeeForMessage', [late.messageBase64])
    expect(fee.result).toMatchObject({ value: null })
  })
})

describe('SolanaDevnet.stop', () => {
  it('produces blocks on its timer, frees the port and can be called twice', async () => {
    const timed = await startSolanaDevnet({ blockTimeMs: 20 })
    const timedRpc = createSolanaRpc(timed.rpcUrl)
    const deadline = Date.now() + 5_000
    while ((await timedRpc.getSlot().send()) < 2n && Date.now() < deadline) await sleep(20)
    expect(await timedRpc.getSlot().send()).toBeGreaterThanOrEqual(2n)
    const port = Number(new URL(timed.rpcUrl).port)
    await timed.stop()
    await expect(timed.stop()).resolves.toBeUndefined()
    const free = await new Promise<boolean>((resolve) => {
      const probe = createServer()
      probe.once('error', () => resolve(false))
      probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)))
    })
    expect(free).toBe(true)
  })

  it('reports a taken port and invalid options as DevnetErrors', async () => {
    const port = Number(new URL(devnet.rpcUrl).port)
    const taken = await rejection(startSolanaDevnet({ port }))
    expect(isDevnetError(taken, 'SOLANA_START_FAILED')).toBe(true)
    expect(String(taken)).toContain('the port is in use')
    const invalid = await rejection(startSolanaDevnet({ blockTimeMs: -1 }))
    expect(isDevnetError(invalid, 'INVALID_OPTIONS')).toBe(true)
    const badNetwork = await rejection(startSolanaDevnet({ network: 'eip155:1' }))
    expect(isDevnetError(badNetwork, 'INVALID_OPTIONS')).toBe(true)
    expect(() => devnet.advance(0)).toThrow(/advance: slots must be an integer/)
  })
})
