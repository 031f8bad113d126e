import fc from 'fast-check'
import { encodeAbiParameters, encodeEventTopics, type Hex, type Log, parseEventLogs } from 'viem'
import { describe, expect, it } from 'vitest'
import { eip3009Abi } from '../abi.ts'
import { encodeTransferWithAuthorization, encodeWithViem, readTokenLogs } from './eip3009Wire.ts'

const hexOf = (bytes: number) =>
  fc
    .uint8Array({ minLength: bytes, maxLength: bytes })
    .map((array) => `0x${Buffer.from(array).toString('hex')}` as Hex)
const mixedCase = (hex: Hex) =>
  fc
    .array(fc.boolean(), { minLength: hex.length, maxLength: hex.length })
    .map((upper) =>
      [...hex]
        .map((char, index) => (index > 1 && upper[index] ? char.toUpperCase() : char))
        .join(''),
    )
const uint = fc.bigInt({ min: 0n, max: (1n << 256n) - 1n }).map(String)
const authorization = fc.record({
  from: hexOf(20).chain(mixedCase),
  to: hexOf(20).chain(mixedCase),
  value: uint,
  validAfter: uint,
  validBefore: uint,
  nonce: hexOf(32).chain(mixedCase),
})

// As the facilitator encoded it before: viem refuses mixed case that is not a checksum.
const viemCalldata = encodeWithViem

describe('transferWithAuthorization calldata packed by hand', () => {
  it('is the bytes viem encodes, for the (v, r, s) overload', () => {
    fc.assert(
      fc.property(authorization, fc.constantFrom(27, 28), hexOf(32), hexOf(32), (auth, v, r, s) => {
        const vrs = { v, r, s }
        const signature = `${r}${s.slice(2)}${v.toString(16)}` as Hex
        expect(encodeTransferWithAuthorization(auth, signature, vrs)).toBe(
          viemCalldata(auth, signature, vrs).toLowerCase(),
        )
      }),
      { numRuns: 300 },
    )
  })

  it('is the bytes viem encodes, for the bytes overload of any length (ERC-1271 wallets)', () => {
    fc.assert(
      fc.property(
        authorization,
        fc.integer({ min: 0, max: 300 }).chain(hexOf),
        fc.boolean(),
        (auth, signature, upper) => {
          const presented = (upper ? `0x${signature.slice(2).toUpperCase()}` : signature) as Hex
          expect(encodeTransferWithAuthorization(auth, presented, undefined)).toBe(
            viemCalldata(auth, presented, undefined).toLowerCase(),
          )
        },
      ),
      { numRuns: 300 },
    )
  })

  it('leaves what it cannot pack to viem, which refuses it as before', () => {
    const valid = {
      from: `0x${'11'.repeat(20)}`,
      to: `0x${'22'.repeat(20)}`,
      value: '1',
      validAfter: '0',
      validBefore: '1',
      nonce: `0x${'33'.repeat(32)}`,
    }
    const bad = [
      { ...valid, from: '0x1234' },
      { ...valid, value: (1n << 256n).toString() },
      { ...valid, value: '-1' },
      { ...valid, nonce: '0x12' },
    ]
    for (const auth of bad) {
      expect(() => encodeTransferWithAuthorization(auth, '0x', undefined)).toThrow()
    }
    // Odd-length hex is not packed either: viem's answer stands.
    expect(encodeTransferWithAuthorization(valid, '0xabc' as Hex, undefined)).toBe(
      viemCalldata(valid, '0xabc' as Hex, undefined),
    )
  })
})

const address = hexOf(20)
const tokenLog = fc.oneof(
  fc
    .record({ token: address, authorizer: address, nonce: hexOf(32) })
    .map(({ token, authorizer, nonce }) => ({
      address: token,
      topics: encodeEventTopics({
        abi: eip3009Abi,
        eventName: 'AuthorizationUsed',
        args: { authorizer, nonce },
      }),
      data: '0x' as Hex,
    })),
  fc
    .record({
      token: address,
      from: address,
      to: address,
      value: fc.bigInt({ min: 0n, max: 10n ** 30n }),
    })
    .map(({ token, from, to, value }) => ({
      address: token,
      topics: encodeEventTopics({ abi: eip3009Abi, eventName: 'Transfer', args: { from, to } }),
      data: encodeAbiParameters([{ type: 'uint256' }], [value]),
    })),
  // An ERC-721 Transfer (the token id indexed, no data) and unrelated events: neither counts.
  fc
    .record({ token: address, from: address, to: address, id: hexOf(32) })
    .map(({ token, from, to, id }) => {
      const [topic, fromTopic, toTopic] = encodeEventTopics({
        abi: eip3009Abi,
        eventName: 'Transfer',
        args: { from, to },
      })
      return { address: token, topics: [topic, fromTopic, toTopic, id], data: '0x' as Hex }
    }),
  fc
    .record({ token: address, topics: fc.array(hexOf(32), { maxLength: 4 }), data: hexOf(32) })
    .map(({ token, topics, data }) => ({ address: token, topics, data })),
)

describe('the token logs read by hand', () => {
  it('are the AuthorizationUsed and Transfer events viem decodes', () => {
    fc.assert(
      fc.property(fc.array(tokenLog, { maxLength: 12 }), (raw) => {
        const logs: Log[] = raw.map((log, index) => ({
          ...log,
          topics: log.topics as [Hex, ...Hex[]] | [],
          blockHash: null,
          blockNumber: null,
          logIndex: index,
          transactionHash: null,
          transactionIndex: null,
          removed: false,
        }))
        const { used, transfers } = readTokenLogs(logs)
        const viemUsed = parseEventLogs({ abi: eip3009Abi, eventName: 'AuthorizationUsed', logs })
        const viemTransfers = parseEventLogs({ abi: eip3009Abi, eventName: 'Transfer', logs })
        expect(used).toEqual(
          viemUsed.map((log) => ({
            address: log.address.toLowerCase(),
            authorizer: log.args.authorizer.toLowerCase(),
            nonce: log.args.nonce.toLowerCase(),
          })),
        )
        expect(transfers).toEqual(
          viemTransfers.map((log) => ({
            address: log.address.toLowerCase(),
            from: log.args.from.toLowerCase(),
            to: log.args.to.toLowerCase(),
            value: log.args.value,
          })),
        )
      }),
      { numRuns: 300 },
    )
  })
})
