/**
 * Parses Solana wire transactions (legacy and v0) with bounds checks on every read, so hostile
 * bytes from the RPC endpoint end as a `WireFormatError`, never as a crash. Also verifies ed25519
 * signatures with node:crypto (synchronously, so one request cannot interleave with a block) and
 * swaps the recent blockhash for `replaceRecentBlockhash` simulations.
 * @module
 */
import { createPublicKey, verify } from 'node:crypto'
import { base58Decode, base58Encode } from './encoding.ts'

/** Solana's packet size: the largest wire transaction a validator accepts. */
export const PACKET_DATA_SIZE_BYTES = 1232

/** Raised for bytes that are not a well-formed transaction; its message is what the RPC shows. */
export class WireFormatError extends Error {
  override readonly name = 'WireFormatError'
}

export type CompiledInstruction = {
  programIdIndex: number
  accountIndices: number[]
  data: Uint8Array
}

export type AddressTableLookup = {
  accountKey: string
  writableIndexes: number[]
  readonlyIndexes: number[]
}

export type ParsedMessage = {
  version: 'legacy' | 0
  numRequiredSignatures: number
  numReadonlySignedAccounts: number
  numReadonlyUnsignedAccounts: number
  staticAccounts: string[]
  recentBlockhash: string
  /** Where the 32 blockhash bytes start inside the message bytes. */
  blockhashOffset: number
  instructions: CompiledInstruction[]
  addressTableLookups: AddressTableLookup[]
}

export type ParsedTransaction = {
  bytes: Uint8Array
  signatures: Uint8Array[]
  messageBytes: Uint8Array
  message: ParsedMessage
  /** The first signature, base58: the transaction's id. */
  signature: string
}

class ByteReader {
  offset = 0
  constructor(readonly bytes: Uint8Array) {}

  u8(): number {
    const value = this.bytes[this.offset]
    if (value === undefined) throw new WireFormatError('io error: unexpected end of file')
    this.offset += 1
    return value
  }

  /**
   * Solana's compact-u16 ("shortvec"): 1 to 3 bytes, 7 bits each, little-endian. Non-canonical
   * forms (a zero byte after the first) are refused as Solana refuses them; this matters beyond
   * fidelity, since litesvm aborts the whole process on such bytes instead of returning an error.
   */
  compactU16(): number {
    let value = 0
    for (let index = 0; index < 3; index += 1) {
      const byte = this.u8()
      if (byte === 0 && index > 0) throw new WireFormatError('short u16: non-canonical encoding')
      value |= (byte & 0x7f) << (7 * index)
      if ((byte & 0x80) === 0) {
        if (value > 0xffff) throw new WireFormatError('invalid compact-u16: overflow')
        return value
      }
    }
    throw new WireFormatError('invalid compact-u16: too long')
  }

  take(length: number): Uint8Array {
    if (this.offset + length > this.bytes.length) {
      throw new WireFormatError('io error: unexpected end of file')
    }
    const slice = this.bytes.subarray(this.offset, this.offset + length)
    this.offset += length
    return slice
  }

  takeAll(count: number): number[] {
    return Array.from(this.take(count))
  }
}

/** Parses wire bytes: signatures, then the message. Trailing bytes are an error, as on Solana. */
export function parseTransaction(bytes: Uint8Array): ParsedTransaction {
  if (bytes.length > PACKET_DATA_SIZE_BYTES) {
    throw new WireFormatError(`transaction too large: ${bytes.length} bytes`)
  }
  const reader = new ByteReader(bytes)
  const signatureCount = reader.compactU16()
  const signatures: Uint8Array[] = []
  for (let index = 0; index < signatureCount; index += 1) signatures.push(reader.take(64))
  const messageBytes = bytes.subarray(reader.offset)
  const message = parseMessage(messageBytes)
  checkSanitized(message, signatures.length)
  const first = signatures[0]
  if (first === undefined) {
    throw new WireFormatError('invalid transaction: Transaction requires at least one signature')
  }
  return { bytes, signatures, messageBytes, message, signature: base58Encode(first) }
}

/** Parses legacy and v0 messages. Other versions are refused as unsupported. */
export function parseMessage(bytes: Uint8Array): ParsedMessage {
  const reader = new ByteReader(bytes)
  const first = reader.u8()
  let version: 'legacy' | 0 = 'legacy'
  if ((first & 0x80) !== 0) {
    if ((first & 0x7f) !== 0) throw new WireFormatError(`unsupported version: ${first & 0x7f}`)
    version = 0
    reader.offset = 1
  } else {
    reader.offset = 0
  }
  const numRequiredSignatures = reader.u8()
  const numReadonlySignedAccounts = reader.u8()
  const numReadonlyUnsignedAccounts = reader.u8()
  const accountCount = reader.compactU16()
  const staticAccounts: string[] = []
  for (let index = 0; index < accountCount; index += 1) {
    staticAccounts.push(base58Encode(reader.take(32)))
  }
  const blockhashOffset = reader.offset
  const recentBlockhash = base58Encode(reader.take(32))
  const instructions: CompiledInstruction[] = []
  const instructionCount = reader.compactU16()
  for (let index = 0; index < instructionCount; index += 1) {
    const programIdIndex = reader.u8()
    const accountIndices = reader.takeAll(reader.compactU16())
    const data = reader.take(reader.compactU16())
    instructions.push({ programIdIndex, accountIndices, data })
  }
  const addressTableLookups: AddressTableLookup[] = []
  if (version === 0) {
    const lookupCount = reader.compactU16()
    for (let index = 0; index < lookupCount; index += 1) {
      const accountKey = base58Encode(reader.take(32))
      const writableIndexes = reader.takeAll(reader.compactU16())
      const readonlyIndexes = reader.takeAll(reader.compactU16())
      addressTableLookups.push({ accountKey, writableIndexes, readonlyIndexes })
    }
  }
  if (reader.offset !== bytes.length) {
    throw new WireFormatError('io error: trailing bytes after the message')
  }
  return {
    version,
    numRequiredSignatures,
    numReadonlySignedAccounts,
    numReadonlyUnsignedAccounts,
    staticAccounts,
    recentBlockhash,
    blockhashOffset,
    instructions,
    addressTableLookups,
  }
}

/** The subset of Solana's `sanitize()` that keeps later index lookups in bounds. */
function checkSanitized(message: ParsedMessage, signatureCount: number): void {
  const fail = (why: string): never => {
    throw new WireFormatError(`invalid transaction: ${why}`)
  }
  if (signatureCount !== message.numRequiredSignatures) {
    fail('Transaction failed to sanitize accounts offsets correctly')
  }
  const staticCount = message.staticAccounts.length
  if (
    message.numRequiredSignatures === 0 ||
    message.numRequiredSignatures > staticCount ||
    message.numReadonlySignedAccounts >= message.numRequiredSignatures ||
    message.numReadonlyUnsignedAccounts > staticCount - message.numRequiredSignatures
  ) {
    fail('Transaction failed to sanitize accounts offsets correctly')
  }
  const lookedUp = message.addressTableLookups.reduce(
    (sum, lookup) => sum + lookup.writableIndexes.length + lookup.readonlyIndexes.length,
    0,
  )
  const total = staticCount + lookedUp
  for (const instruction of message.instructions) {
    if (instruction.programIdIndex === 0 || instruction.programIdIndex >= staticCount) {
      fail('Transaction failed to sanitize accounts offsets correctly')
    }
    if (instruction.accountIndices.some((index) => index >= total)) {
      fail('Transaction failed to sanitize accounts offsets correctly')
    }
  }
}

// DER prefix of an Ed25519 SubjectPublicKeyInfo; the raw 32-byte key follows it.
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex')

/** True when every required signature is a valid ed25519 signature of the message bytes. */
export function verifySignatures(transaction: ParsedTransaction): boolean {
  return transaction.signatures.every((signature, index) => {
    const signer = transaction.message.staticAccounts[index]
    if (signer === undefined) return false
    try {
      const key = createPublicKey({
        key: Buffer.concat([ED25519_SPKI_PREFIX, base58Decode(signer)]),
        format: 'der',
        type: 'spki',
      })
      return verify(null, transaction.messageBytes, key, signature)
    } catch {
      // A key that is not a valid curve point cannot have signed anything.
      return false
    }
  })
}

/** Returns new wire bytes with the recent blockhash replaced (signatures are left as they are). */
export function replaceBlockhash(
  transaction: ParsedTransaction,
  blockhashBytes: Uint8Array,
): Uint8Array {
  const bytes = Uint8Array.from(transaction.bytes)
  const start = transaction.bytes.length - transaction.messageBytes.length
  bytes.set(blockhashBytes, start + transaction.message.blockhashOffset)
  return bytes
}
