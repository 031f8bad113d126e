/**
 * Compiles `contracts/*.sol` with the pinned solc-js, in memory. Shared by `compile.ts`, which
 * writes the artifacts, and `artifacts.test.ts`, which checks the checked-in artifacts against a
 * fresh compile.
 * @module
 */
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import solc from 'solc'

/** The contracts we ship artifacts for; libraries are inlined into them and get none. */
export const CONTRACT_NAMES = [
  'TestUSDC',
  'Multicall3',
  'TestSmartWallet',
  'Permit2',
  'X402ExactPermit2Proxy',
  'X402UptoPermit2Proxy',
  'X402BatchSettlement',
  'ERC3009DepositCollector',
  'Permit2DepositCollector',
  'AgentIdentityRegistry',
  'AgentReputationRegistry',
  'AgentValidationRegistry',
] as const

export type ContractName = (typeof CONTRACT_NAMES)[number]

export type CompiledContract = {
  contractName: ContractName
  /** JSON ABI exactly as solc emits it. */
  abi: readonly unknown[]
  bytecode: `0x${string}`
  deployedBytecode: `0x${string}`
  solcVersion: string
}

/**
 * Fixed compiler settings. Everything that can change the bytecode is pinned here, so a compile on
 * any machine gives byte-identical output.
 */
export const SOLC_SETTINGS = {
  optimizer: { enabled: true, runs: 200 },
  evmVersion: 'cancun',
  // No CBOR metadata trailer: its hash covers comments and file paths, so an edit that changes no
  // behaviour would still change every bytecode and fail the freshness test for no reason.
  metadata: { appendCBOR: false, bytecodeHash: 'none' },
  outputSelection: {
    '*': { '*': ['abi', 'evm.bytecode.object', 'evm.deployedBytecode.object'] },
  },
} as const

/** Directory holding the Solidity sources, next to `scripts/`. */
export const CONTRACTS_DIR = join(import.meta.dirname, '..', 'contracts')

/** The full solc version string, e.g. `0.8.37+commit.….Emscripten.clang`. */
export function solcVersion(): string {
  const version: unknown = solc.version()
  if (typeof version !== 'string') throw new Error('solc.version() did not return a string')
  return version
}

/** Compiles every `.sol` file in `contractsDir`; returns the shipped contracts in a fixed order. */
export async function compileContracts(contractsDir = CONTRACTS_DIR): Promise<CompiledContract[]> {
  const sources = await readSources(contractsDir)
  const input = { language: 'Solidity', sources, settings: SOLC_SETTINGS }
  const output: unknown = JSON.parse(solc.compile(JSON.stringify(input)))
  const version = solcVersion()
  assertNoDiagnostics(output)
  return CONTRACT_NAMES.map((contractName) => ({
    contractName,
    ...readContractOutput(output, contractName),
    solcVersion: version,
  }))
}

async function readSources(contractsDir: string): Promise<Record<string, { content: string }>> {
  // Sorted so the standard-JSON input, and therefore the output, never depends on directory order.
  const files = (await readdir(contractsDir)).filter((file) => file.endsWith('.sol')).sort()
  const sources: Record<string, { content: string }> = {}
  for (const file of files) {
    sources[file] = { content: await readFile(join(contractsDir, file), 'utf8') }
  }
  return sources
}

/** Fails on errors and on warnings alike: a warning in a payment token deserves a look. */
function assertNoDiagnostics(output: unknown): void {
  const diagnostics = field(output, 'errors')
  if (diagnostics === undefined) return
  if (!Array.isArray(diagnostics)) throw new Error('solc output: errors is not an array')
  const messages = diagnostics.map((diagnostic: unknown) => {
    const message = field(diagnostic, 'formattedMessage')
    return typeof message === 'string' ? message : JSON.stringify(diagnostic)
  })
  if (messages.length > 0) throw new Error(`solc reported problems:\n${messages.join('\n')}`)
}

function readContractOutput(
  output: unknown,
  contractName: ContractName,
): Pick<CompiledContract, 'abi' | 'bytecode' | 'deployedBytecode'> {
  const contract = field(field(field(output, 'contracts'), `${contractName}.sol`), contractName)
  const abi = field(contract, 'abi')
  const evm = field(contract, 'evm')
  const bytecode = field(field(evm, 'bytecode'), 'object')
  const deployedBytecode = field(field(evm, 'deployedBytecode'), 'object')
  if (!Array.isArray(abi)) throw new Error(`solc output: no ABI for ${contractName}`)
  return {
    abi,
    bytecode: toHex(bytecode, `${contractName} bytecode`),
    deployedBytecode: toHex(deployedBytecode, `${contractName} deployedBytecode`),
  }
}

function toHex(value: unknown, label: string): `0x${string}` {
  // An empty object means the contract is abstract or an interface: a bug in the sources.
  if (typeof value !== 'string' || !/^([0-9a-f]{2})+$/.test(value)) {
    throw new Error(`solc output: ${label} is missing or not hex`)
  }
  return `0x${value}`
}

/** Reads `key` from a JSON object, or undefined for anything else. */
function field(value: unknown, key: string): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined
  return Object.getOwnPropertyDescriptor(value, key)?.value
}
