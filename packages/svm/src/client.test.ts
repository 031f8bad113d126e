/**
 * Goal: the client writes the reference wire format: a v0 transaction paid by `extra.feePayer`,
 * with limit 20,000, price 1, a TransferChecked under the mint's own program, and a Memo, signed
 * by the buyer only; and our facilitator accepts it. Method: a fake cluster that serves the
 * mint account and a blockhash.
 */
import {
  createKeyPairSignerFromPrivateKeyBytes,
  getAddressEncoder,
  getBase58Decoder,
  getBase64Decoder,
} from '@solana/kit'
import { isTollgateError, solanaNetworks } from '@tollgate/core'
import { beforeAll, describe, expect, it } from 'vitest'
import { exactSvmClient } from './client.ts'
import { memoProgram, token2022Program, tokenProgram } from './constants.ts'
import { decodeExactSvmTransaction } from './facilitator/decode.ts'
import { svmSignerFromSecretKey } from './signer.ts'
import { fakeRpc, withContext } from './testing/fakeRpc.ts'
import {
  associated,
  facilitatorOn,
  healthyChain,
  paymentOf,
  requirementsOf,
  type SvmFixture,
  svmFixture,
} from './testing/fixtures.ts'

let fixture: SvmFixture
beforeAll(async () => {
  fixture = await svmFixture()
})

function mintAccount(owner: string, decimals = 6) {
  const data = new Uint8Array(82)
  data[44] = decimals
  data[45] = 1
  const encoded = getBase64Decoder().decode(data)
  return withContext({
    data: [encoded, 'base64'],
    executable: false,
    lamports: 1_461_600,
    owner,
    rentEpoch: 0,
    space: 82,
  })
}

function cluster(owner: string = tokenProgram) {
  return fakeRpc({
    getAccountInfo: () => mintAccount(owner),
    getLatestBlockhash: () =>
      withContext({ blockhash: fixture.lifetime.blockhash, lastValidBlockHeight: 1_000 }),
  })
}

async function pay(extra: Record<string, unknown> = {}, owner: string = tokenProgram) {
  const chain = cluster(owner)
  const client = exactSvmClient({ signer: fixture.buyer, rpc: chain.rpc })
  const requirements = requirementsOf(fixture, extra)
  const payload = await client.createPayload(requirements, { x402Version: 2 })
  const decoding = decodeExactSvmTransaction(payload)
  if (!('decoded' in decoding)) throw new Error(decoding.rejection.code)
  return { payload, requirements, decoded: decoding.decoded, chain, client }
}

describe('exactSvmClient', () => {
  it('builds the reference layout, partially signed by the buyer', async () => {
    const { payload, decoded } = await pay()
    expect(Object.keys(payload)).toEqual(['transaction'])
    expect(decoded.message.version).toBe(0)
    expect(decoded.staticAccounts[0]).toBe(fixture.feePayer.address)
    expect(decoded.transaction.signatures[fixture.feePayer.address]).toBeNull()
    expect(decoded.transaction.signatures[fixture.buyer.address]).not.toBeNull()
    expect(decoded.blockhash).toBe(fixture.lifetime.blockhash)
    const [limit, price, transfer, memo] = decoded.instructions
    expect([...(limit?.data ?? [])]).toEqual([2, 0x20, 0x4e, 0, 0])
    expect([...(price?.data ?? [])]).toEqual([3, 1, 0, 0, 0, 0, 0, 0, 0])
    expect(transfer?.program).toBe(tokenProgram)
    expect(transfer?.accounts).toEqual([
      await associated(fixture.buyer.address, fixture.mint),
      fixture.mint,
      await associated(fixture.payTo, fixture.mint),
      fixture.buyer.address,
    ])
    expect(memo?.program).toBe(memoProgram)
    expect(new TextDecoder().decode(memo?.data)).toMatch(/^[0-9a-f]{32}$/)
  })

  it('writes the seller memo, and reads the token program from the mint owner', async () => {
    const { decoded } = await pay({ memo: 'invoice 42' }, token2022Program)
    const [, , transfer, memo] = decoded.instructions
    expect(transfer?.program).toBe(token2022Program)
    expect(transfer?.accounts[2]).toBe(
      await associated(fixture.payTo, fixture.mint, token2022Program),
    )
    expect(new TextDecoder().decode(memo?.data)).toBe('invoice 42')
  })

  it('pays in a way our facilitator accepts and settles', async () => {
    const { payload, requirements } = await pay()
    const chain = healthyChain()
    const { facilitator } = facilitatorOn(fixture, chain)
    const payment = paymentOf(requirements, String(payload.transaction))
    expect(await facilitator.verify(payment, requirements)).toEqual({
      isValid: true,
      payer: fixture.buyer.address,
    })
    expect((await facilitator.settle(payment, requirements)).success).toBe(true)
  })

  it('reads a mint once, and makes every transaction unique', async () => {
    const { client, chain, requirements, payload } = await pay()
    const again = await client.createPayload(requirements, { x402Version: 2 })
    expect(again.transaction).not.toBe(payload.transaction)
    expect(chain.count('getAccountInfo')).toBe(1)
  })

  it.each([
    ['no fee payer', { feePayer: undefined }, 'SVM_EXACT_FEE_PAYER_MISSING'],
    ['a memo over 256 bytes', { memo: 'x'.repeat(257) }, 'REQUIREMENTS_MALFORMED'],
  ] as const)('refuses %s', async (_, extra, code) => {
    const error = await pay(extra).catch((failure: unknown) => failure)
    expect(isTollgateError(error, code)).toBe(true)
  })

  it('refuses a mint that no token program owns, and a network that is not Solana', async () => {
    const notMint = await pay({}, '11111111111111111111111111111111').catch(
      (error: unknown) => error,
    )
    expect(isTollgateError(notMint, 'ASSET_NOT_ALLOWED')).toBe(true)
    const client = exactSvmClient({ signer: fixture.buyer, rpc: cluster().rpc })
    const evm = { ...requirementsOf(fixture), network: 'eip155:8453' }
    const wrong = await client
      .createPayload(evm, { x402Version: 2 })
      .catch((error: unknown) => error)
    expect(isTollgateError(wrong, 'NETWORK_UNSUPPORTED')).toBe(true)
  })

  it('reads the buyer balance from its associated token account; unknown when the RPC fails', async () => {
    const buyerAccount = await associated(fixture.buyer.address, fixture.mint)
    const tokenAccount = new Uint8Array(165)
    tokenAccount.set(getAddressEncoder().encode(fixture.mint), 0)
    tokenAccount.set(getAddressEncoder().encode(fixture.buyer.address), 32)
    new DataView(tokenAccount.buffer).setBigUint64(64, 2_500n, true)
    let held: Uint8Array | undefined = tokenAccount
    const chain = fakeRpc({
      getAccountInfo: ([at]) => {
        if (at !== buyerAccount) return mintAccount(tokenProgram)
        if (!held) return withContext(null)
        const data = [getBase64Decoder().decode(held), 'base64']
        return withContext({
          data,
          executable: false,
          lamports: 1,
          owner: tokenProgram,
          space: 165,
        })
      },
    })
    const client = exactSvmClient({ signer: fixture.buyer, rpc: chain.rpc })
    const requirements = requirementsOf(fixture)
    expect(await client.balanceOf?.(requirements)).toBe(2_500n)
    held = undefined
    expect(await client.balanceOf?.(requirements)).toBe(0n)
    const down = exactSvmClient({ signer: fixture.buyer, rpcUrl: 'http://127.0.0.1:1' })
    expect(await down.balanceOf?.(requirements)).toBeUndefined()
  })

  it('describes the USDC mints as dollars', () => {
    const client = exactSvmClient({ signer: fixture.buyer, rpcUrl: 'http://127.0.0.1:1' })
    expect(
      client.describeAsset(solanaNetworks.mainnet, 'EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v'),
    ).toEqual({ symbol: 'USDC', decimals: 6, usdPegged: true })
    expect(client.describeAsset(solanaNetworks.mainnet, fixture.mint)).toBeUndefined()
  })
})

describe('svmSignerFromSecretKey', () => {
  it('reads a base58 64-byte secret key, and refuses anything else', async () => {
    const secret = crypto.getRandomValues(new Uint8Array(32))
    const expected = await createKeyPairSignerFromPrivateKeyBytes(secret)
    const full = new Uint8Array(64)
    full.set(secret)
    full.set(getAddressEncoder().encode(expected.address), 32)
    const signer = await svmSignerFromSecretKey(getBase58Decoder().decode(full))
    expect(signer.address).toBe(expected.address)
    for (const bad of ['0OIl', getBase58Decoder().decode(secret)]) {
      const error = await svmSignerFromSecretKey(bad).catch((failure: unknown) => failure)
      expect(isTollgateError(error, 'REQUIREMENTS_MALFORMED')).toBe(true)
    }
  })
})
