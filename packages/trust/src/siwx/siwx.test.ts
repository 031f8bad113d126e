import { generateKeyPairSigner } from '@solana/kit'
import { recoverMessageSigner } from '@tollgate/evm'
import {
  createSIWxPayload,
  encodeSIWxHeader,
  formatSIWEMessage,
  formatSIWSMessage,
  parseSIWxHeader,
  validateSIWxMessage,
  verifySIWxSignature,
} from '@x402/extensions/sign-in-with-x'
import fc from 'fast-check'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { createSiweMessage } from 'viem/siwe'
import { describe, expect, it } from 'vitest'
import { siwxMessage } from './message.ts'
import { signSiwxChallenge } from './signatures.ts'
import { SiwxGate, type SiwxRequest } from './siwxGate.ts'
import { encodeSiwxHeader, parseSiwxHeader, type SiwxExtension } from './wire.ts'

const evm = { chainId: 'eip155:31337', type: 'eip191' } as const
const solana = { chainId: 'solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1', type: 'ed25519' } as const
const weather: SiwxRequest = {
  url: 'http://127.0.0.1:4021/weather?city=Lisbon',
  operation: { method: 'GET', path: '/weather', price: '$0.001' },
}
const agent = privateKeyToAccount(generatePrivateKey())

function challengeFor(extension: SiwxExtension, chain: typeof evm | typeof solana = evm) {
  return { ...extension.info, chainId: chain.chainId, type: chain.type }
}

async function signedHeader(gate: SiwxGate, request = weather) {
  const payload = await signSiwxChallenge(challengeFor(gate.challenge(request)), agent)
  return encodeSiwxHeader(payload)
}

describe('SiwxGate', () => {
  it('accepts a sign-in once: the same nonce again is refused as a replay', async () => {
    const gate = new SiwxGate({ chains: [evm] })
    const header = await signedHeader(gate)
    expect(await gate.verify(header, weather)).toMatchObject({ ok: true, address: agent.address })
    expect(await gate.verify(header, weather)).toMatchObject({
      ok: false,
      reason: 'invalid_siwx_nonce',
    })
  })

  it('scopes a sign-in to its operation: another path, method or price is refused', async () => {
    const gate = new SiwxGate({ chains: [evm] })
    const header = await signedHeader(gate)
    const others: SiwxRequest[] = [
      {
        url: 'http://127.0.0.1:4021/forecast',
        operation: { ...weather.operation, path: '/forecast' },
      },
      { ...weather, operation: { ...weather.operation, method: 'POST' } },
      { ...weather, operation: { ...weather.operation, price: '$0.0001' } },
    ]
    for (const other of others)
      expect(await gate.verify(header, other)).toMatchObject({
        ok: false,
        reason: 'invalid_siwx_operation_mismatch',
      })
    // Refusals spend nothing: the sign-in still works for the operation it was issued for.
    expect(await gate.verify(header, weather)).toMatchObject({ ok: true })
  })

  it('refuses a signature by another key than the address it names, without spending the nonce', async () => {
    const gate = new SiwxGate({ chains: [evm] })
    const impostor = privateKeyToAccount(generatePrivateKey())
    const challenge = challengeFor(gate.challenge(weather))
    const signed = await signSiwxChallenge(challenge, impostor)
    const forged = encodeSiwxHeader({ ...signed, address: agent.address })
    expect(await gate.verify(forged, weather)).toMatchObject({
      ok: false,
      reason: 'invalid_siwx_signature',
    })
    const honest = encodeSiwxHeader(await signSiwxChallenge(challenge, agent))
    expect(await gate.verify(honest, weather)).toMatchObject({ ok: true })
  })

  it('refuses another host, an old, future or expired challenge and an unoffered chain', async () => {
    let now = Date.parse('2026-12-06T12:00:00.000Z')
    const gate = new SiwxGate({ chains: [evm], now: () => now })
    const header = await signedHeader(gate)
    const elsewhere = { ...weather, url: 'http://127.0.0.1:5000/weather' }
    expect(await gate.verify(header, elsewhere)).toMatchObject({
      reason: 'invalid_siwx_domain_mismatch',
    })
    now += 301_000
    expect(await gate.verify(header, weather)).toMatchObject({
      reason: 'invalid_siwx_issued_at_too_old',
    })
    now -= 400_000
    expect(await gate.verify(header, weather)).toMatchObject({
      reason: 'invalid_siwx_issued_at_in_future',
    })
    now += 99_000
    const base = gate.challenge(weather)
    const otherChain = await signSiwxChallenge(
      { ...challengeFor(base), chainId: 'eip155:1' },
      agent,
    )
    expect(await gate.verify(encodeSiwxHeader(otherChain), weather)).toMatchObject({
      reason: 'invalid_siwx_unsupported_chain',
    })
  })

  it('checks EOA sign-ins the same with a faster recovery', async () => {
    const gate = new SiwxGate({ chains: [evm], recover: recoverMessageSigner })
    const challenge = challengeFor(gate.challenge(weather))
    const impostor = privateKeyToAccount(generatePrivateKey())
    const forged = { ...(await signSiwxChallenge(challenge, impostor)), address: agent.address }
    expect(await gate.verify(encodeSiwxHeader(forged), weather)).toMatchObject({
      reason: 'invalid_siwx_signature',
    })
    const honest = await signSiwxChallenge(challenge, agent)
    expect(await gate.verify(encodeSiwxHeader(honest), weather)).toMatchObject({ ok: true })
  })

  it('shares sign-ins between instances with one secret, and only then', async () => {
    const secret = new Uint8Array(32).fill(7)
    const issuer = new SiwxGate({ chains: [evm], secret })
    const header = await signedHeader(issuer)
    expect(
      await new SiwxGate({ chains: [evm], secret: new Uint8Array(32).fill(8) }).verify(
        header,
        weather,
      ),
    ).toMatchObject({
      reason: 'invalid_siwx_operation_mismatch',
    })
    expect(await new SiwxGate({ chains: [evm], secret }).verify(header, weather)).toMatchObject({
      ok: true,
    })
  })

  it('signs in Solana accounts with ed25519', async () => {
    const gate = new SiwxGate({ chains: [solana] })
    const signer = await generateKeyPairSigner()
    const payload = await signSiwxChallenge(challengeFor(gate.challenge(weather), solana), signer)
    expect(
      await gate.verify(encodeSiwxHeader({ ...payload, statement: 'changed' }), weather),
    ).toMatchObject({
      reason: 'invalid_siwx_signature',
    })
    expect(await gate.verify(encodeSiwxHeader(payload), weather)).toMatchObject({
      ok: true,
      address: signer.address,
    })
  })

  it('answers any header with a verdict, never a throw', async () => {
    const gate = new SiwxGate({ chains: [evm, solana] })
    const base = parseSiwxHeader(await signedHeader(gate))
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string(),
          fc.base64String(),
          fc
            .dictionary(
              fc.constantFrom(...Object.keys(base)),
              fc.oneof(fc.string(), fc.integer(), fc.constant(null)),
            )
            .map((fields) => encodeSiwxHeader({ ...base, ...fields } as never)),
        ),
        async (header) => {
          const verdict = await gate.verify(header, weather)
          if (!verdict.ok) expect(verdict.reason).toMatch(/^invalid_siwx_/)
        },
      ),
      { numRuns: 200 },
    )
    expect(() => parseSiwxHeader('not base64!')).toThrow(
      expect.objectContaining({ code: 'SIWX_HEADER_MALFORMED' }),
    )
  })
})

describe('interop with @x402/extensions 2.27', () => {
  it('writes the same message text as the official formatters and viem, field for field', () => {
    const gate = new SiwxGate({ chains: [evm, solana] })
    const base = gate.challenge(weather).info
    const variants = [
      base,
      { ...base, statement: undefined, resources: undefined },
      { ...base, expirationTime: undefined, notBefore: base.issuedAt, requestId: 'req-7' },
      { ...base, resources: ['http://127.0.0.1:4021/weather', 'ipfs://bafy'] },
    ]
    for (const info of variants) {
      const onEvm = { ...info, chainId: evm.chainId, type: evm.type }
      const official = onEvm as Parameters<typeof formatSIWEMessage>[0]
      expect(siwxMessage(onEvm, agent.address)).toBe(formatSIWEMessage(official, agent.address))
      expect(siwxMessage(onEvm, agent.address)).toBe(
        createSiweMessage({
          domain: info.domain,
          address: agent.address,
          uri: info.uri,
          version: '1',
          chainId: 31337,
          nonce: info.nonce,
          issuedAt: new Date(info.issuedAt),
          ...(info.statement ? { statement: info.statement } : {}),
          ...(info.expirationTime ? { expirationTime: new Date(info.expirationTime) } : {}),
          ...(info.notBefore ? { notBefore: new Date(info.notBefore) } : {}),
          ...(info.requestId ? { requestId: info.requestId } : {}),
          ...(info.resources ? { resources: info.resources } : {}),
        }),
      )
      const onSolana = { ...info, chainId: solana.chainId, type: solana.type }
      const address = 'So11111111111111111111111111111111111111112'
      expect(siwxMessage(onSolana, address)).toBe(
        formatSIWSMessage(onSolana as Parameters<typeof formatSIWSMessage>[0], address),
      )
    }
  })

  it('accepts what the official client signs for our challenge', async () => {
    const gate = new SiwxGate({ chains: [evm] })
    const extension = gate.challenge(weather)
    // The official types spell absent fields without `undefined`; the values are the same.
    const challenge = challengeFor(extension) as Parameters<typeof createSIWxPayload>[0]
    const payload = await createSIWxPayload(challenge, agent, weather.url)
    expect(await gate.verify(encodeSIWxHeader(payload), weather)).toMatchObject({
      ok: true,
      address: agent.address,
    })
  })

  it('signs what the official server parses, validates and verifies', async () => {
    const gate = new SiwxGate({ chains: [evm] })
    const header = await signedHeader(gate)
    const theirs = parseSIWxHeader(header)
    expect(await validateSIWxMessage(theirs, new URL(weather.url))).toEqual({ isValid: true })
    expect(await verifySIWxSignature(theirs)).toMatchObject({ isValid: true, payer: agent.address })
  })
})
