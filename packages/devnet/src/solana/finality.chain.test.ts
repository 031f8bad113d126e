/**
 * Goal: a devnet started with `slotsToFinalize` reports commitment levels as a cluster does
 * (processed in its block, confirmed after, finalized at the depth), and can drop a transaction
 * that is not finalized as an abandoned fork would: state rolled back, later transactions with
 * it, statuses forgotten, the same bytes able to land again (after lost resends if asked).
 * Method: real litesvm behind the real HTTP endpoint, driven by createSolanaRpc; blocks are
 * produced only by advance().
 */
import {
  AccountRole,
  type Address,
  address,
  appendTransactionMessageInstruction,
  createKeyPairSignerFromBytes,
  createSolanaRpc,
  createTransactionMessage,
  generateKeyPairSigner,
  getBase58Encoder,
  getBase64EncodedWireTransaction,
  getSignatureFromTransaction,
  type KeyPairSigner,
  pipe,
  setTransactionMessageFeePayerSigner,
  setTransactionMessageLifetimeUsingBlockhash,
  signature,
  signTransactionMessageWithSigners,
} from '@solana/kit'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { isDevnetError } from '../errors.ts'
import { type SolanaDevnet, startSolanaDevnet } from './startSolanaDevnet.ts'

let devnet: SolanaDevnet
let rpc: ReturnType<typeof createSolanaRpc>
let payer: KeyPairSigner

beforeAll(async () => {
  devnet = await startSolanaDevnet({ blockTimeMs: 0, slotsToFinalize: 3 })
  rpc = createSolanaRpc(devnet.rpcUrl)
  payer = await createKeyPairSignerFromBytes(getBase58Encoder().encode(devnet.payer.secretKey))
})

afterAll(async () => {
  await devnet?.stop()
})

/** A signed System transfer of `amount` lamports from the payer to `to`, not yet sent. */
async function transfer(to: Address, amount: bigint) {
  const data = new Uint8Array(12)
  const view = new DataView(data.buffer)
  view.setUint32(0, 2, true)
  view.setBigUint64(4, amount, true)
  const { value: latest } = await rpc.getLatestBlockhash().send()
  const signed = await signTransactionMessageWithSigners(
    pipe(
      createTransactionMessage({ version: 0 }),
      (draft) => setTransactionMessageFeePayerSigner(payer, draft),
      (draft) => setTransactionMessageLifetimeUsingBlockhash(latest, draft),
      (draft) =>
        appendTransactionMessageInstruction(
          {
            programAddress: address('11111111111111111111111111111111'),
            accounts: [
              { address: payer.address, role: AccountRole.WRITABLE_SIGNER, signer: payer },
              { address: to, role: AccountRole.WRITABLE },
            ],
            data,
          },
          draft,
        ),
    ),
  )
  const wire = getBase64EncodedWireTransaction(signed)
  const id = getSignatureFromTransaction(signed)
  const send = () => rpc.sendTransaction(wire, { encoding: 'base64', skipPreflight: true }).send()
  return { id, send }
}

async function statusOf(id: string) {
  const { value } = await rpc.getSignatureStatuses([signature(id)]).send()
  return value[0] ?? null
}

async function lamportsOf(owner: Address): Promise<bigint> {
  return (await rpc.getBalance(owner).send()).value
}

describe('Solana devnet finality', () => {
  it('reports processed, then confirmed, then finalized at the depth', async () => {
    const { address: to } = await generateKeyPairSigner()
    const sent = await transfer(to, 1_000_000n)
    await sent.send()
    expect(await statusOf(sent.id)).toMatchObject({
      confirmations: 0n,
      confirmationStatus: 'processed',
    })
    const read = (commitment: 'confirmed' | 'finalized') =>
      rpc
        .getTransaction(signature(sent.id), {
          commitment,
          encoding: 'json',
          maxSupportedTransactionVersion: 0,
        })
        .send()
    expect(await read('confirmed')).toBeNull()
    devnet.advance(1)
    expect(await statusOf(sent.id)).toMatchObject({
      confirmations: 1n,
      confirmationStatus: 'confirmed',
    })
    expect(await read('confirmed')).not.toBeNull()
    expect(await read('finalized')).toBeNull()
    devnet.advance(2)
    expect(await statusOf(sent.id)).toMatchObject({
      confirmations: null,
      confirmationStatus: 'finalized',
    })
    expect(await read('finalized')).not.toBeNull()
    const refusal = (() => {
      try {
        devnet.dropTransaction(sent.id)
      } catch (error) {
        return error
      }
    })()
    expect(isDevnetError(refusal, 'INVALID_OPTIONS')).toBe(true)
  })

  it('drops a transaction and the later ones, as if they never happened', async () => {
    const { address: created } = await generateKeyPairSigner()
    const { address: other } = await generateKeyPairSigner()
    const payerBefore = await lamportsOf(payer.address)
    const countBefore = await rpc.getTransactionCount().send()
    const first = await transfer(created, 2_000_000n)
    await first.send()
    devnet.advance(1)
    const second = await transfer(other, 3_000_000n)
    await second.send()
    expect(await lamportsOf(created)).toBe(2_000_000n)

    expect(devnet.dropTransaction(first.id)).toEqual([second.id, first.id])
    expect(await statusOf(first.id)).toBeNull()
    expect(await statusOf(second.id)).toBeNull()
    expect(await lamportsOf(payer.address)).toBe(payerBefore)
    expect((await rpc.getAccountInfo(created).send()).value).toBeNull()
    expect(await rpc.getTransactionCount().send()).toBe(countBefore)

    // The same signed bytes land again, once.
    await first.send()
    expect(await statusOf(first.id)).toMatchObject({ confirmationStatus: 'processed', err: null })
    expect(await lamportsOf(created)).toBe(2_000_000n)
    await expect(first.send()).rejects.toThrow()
    expect(await lamportsOf(created)).toBe(2_000_000n)
  })

  it('loses resends of a dropped transaction for the blocks asked, then lands it', async () => {
    const { address: to } = await generateKeyPairSigner()
    const sent = await transfer(to, 4_000_000n)
    await sent.send()
    devnet.dropTransaction(sent.id, { resendsLostForSlots: 2 })
    expect(await sent.send()).toBe(sent.id)
    expect(await statusOf(sent.id)).toBeNull()
    devnet.advance(1)
    await sent.send()
    expect(await statusOf(sent.id)).toBeNull()
    devnet.advance(1)
    await sent.send()
    expect(await statusOf(sent.id)).toMatchObject({ err: null })
    expect(await lamportsOf(to)).toBe(4_000_000n)
  })
})
