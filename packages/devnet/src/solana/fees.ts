/**
 * Solana's fee for a message: 5,000 lamports per required signature plus the priority fee,
 * ceil(compute-unit price × compute-unit limit / 1e6). The limit is the one requested by
 * `SetComputeUnitLimit`, else the runtime default (3,000 CU per builtin-program instruction and
 * 200,000 per other instruction, clamped to 1.4M). This matches what litesvm charges; the tests
 * check it against the fee payer's balance.
 * @module
 */
import type { ParsedMessage } from './wireTransaction.ts'

export const LAMPORTS_PER_SIGNATURE = 5_000n
const COMPUTE_BUDGET_PROGRAM = 'ComputeBudget111111111111111111111111111111'
const MAX_COMPUTE_UNIT_LIMIT = 1_400_000n
const DEFAULT_INSTRUCTION_COMPUTE_UNITS = 200_000n
const BUILTIN_INSTRUCTION_COMPUTE_UNITS = 3_000n
const MICRO_LAMPORTS_PER_LAMPORT = 1_000_000n

const BUILTIN_PROGRAMS = new Set([
  '11111111111111111111111111111111',
  COMPUTE_BUDGET_PROGRAM,
  'AddressLookupTab1e1111111111111111111111111',
  'BPFLoader1111111111111111111111111111111111',
  'BPFLoader2111111111111111111111111111111111',
  'BPFLoaderUpgradeab1e11111111111111111111111',
  'LoaderV411111111111111111111111111111111111',
  'Config1111111111111111111111111111111111111',
  'Stake11111111111111111111111111111111111111',
  'Vote111111111111111111111111111111111111111',
])

/** The fee in lamports that executing `message` costs its fee payer. */
export function messageFeeLamports(message: ParsedMessage): bigint {
  const signatureFee = LAMPORTS_PER_SIGNATURE * BigInt(message.numRequiredSignatures)
  let unitLimit: bigint | undefined
  let unitPriceMicroLamports = 0n
  let defaultLimit = 0n
  for (const instruction of message.instructions) {
    const program = message.staticAccounts[instruction.programIdIndex]
    const isBuiltin = program !== undefined && BUILTIN_PROGRAMS.has(program)
    defaultLimit += isBuiltin
      ? BUILTIN_INSTRUCTION_COMPUTE_UNITS
      : DEFAULT_INSTRUCTION_COMPUTE_UNITS
    if (program !== COMPUTE_BUDGET_PROGRAM) continue
    const data = instruction.data
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength)
    // Discriminator 2 is SetComputeUnitLimit(u32), 3 is SetComputeUnitPrice(u64, micro-lamports).
    if (data[0] === 2 && data.length === 5) unitLimit = BigInt(view.getUint32(1, true))
    if (data[0] === 3 && data.length === 9) unitPriceMicroLamports = view.getBigUint64(1, true)
  }
  const limit = minimum(unitLimit ?? defaultLimit, MAX_COMPUTE_UNIT_LIMIT)
  const product = unitPriceMicroLamports * limit
  const priorityFee = (product + MICRO_LAMPORTS_PER_LAMPORT - 1n) / MICRO_LAMPORTS_PER_LAMPORT
  return signatureFee + priorityFee
}

function minimum(left: bigint, right: bigint): bigint {
  return left < right ? left : right
}
