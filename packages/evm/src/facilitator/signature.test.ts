import { type Hex, keccak256, toHex } from 'viem'
import { generatePrivateKey, privateKeyToAccount, sign } from 'viem/accounts'
import { describe, expect, it } from 'vitest'
import { checkEcdsaSignature } from './signature.ts'

const key = generatePrivateKey()
const payer = privateKeyToAccount(key).address
const digest = keccak256(toHex('transferWithAuthorization'))

describe('checking an EOA signature as USDC does', () => {
  it('accepts the payer’s signature with v as 27/28 or as 0/1', async () => {
    const signature = await sign({ hash: digest, privateKey: key, to: 'hex' })
    expect(await checkEcdsaSignature(digest, signature, payer)).toBeUndefined()
    const v = Number.parseInt(signature.slice(130), 16)
    const asParity = `${signature.slice(0, 130)}0${v - 27}` as Hex
    expect(await checkEcdsaSignature(digest, asParity, payer)).toBeUndefined()
  })

  it('refuses another signer, a high s, a bad v and a short signature, with reasons', async () => {
    const signature = await sign({ hash: digest, privateKey: key, to: 'hex' })
    const other = privateKeyToAccount(generatePrivateKey()).address
    expect(await checkEcdsaSignature(digest, signature, other)).toMatchObject({
      code: 'EVM_EXACT_SIGNATURE_INVALID',
      message: 'signature was not made by authorization.from',
    })
    const order = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n
    const s = BigInt(`0x${signature.slice(66, 130)}`)
    const v = Number.parseInt(signature.slice(130), 16)
    const twin =
      `${signature.slice(0, 66)}${(order - s).toString(16).padStart(64, '0')}${(v === 27 ? 28 : 27).toString(16)}` as Hex
    expect(await checkEcdsaSignature(digest, twin, payer)).toMatchObject({
      message: 'ECDSA signature is malleable (high s) or zero',
    })
    expect(
      await checkEcdsaSignature(digest, `${signature.slice(0, 130)}1d` as Hex, payer),
    ).toMatchObject({
      code: 'EVM_EXACT_SIGNATURE_INVALID',
    })
    expect(await checkEcdsaSignature(digest, signature.slice(0, 100) as Hex, payer)).toMatchObject({
      code: 'EVM_EXACT_SIGNATURE_INVALID',
    })
  })
})
