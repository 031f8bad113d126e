/**
 * Goal: the checked-in artifacts and `generated.ts` are exactly what the current sources compile
 * to. Method: compile contracts/*.sol in memory with the same settings as `npm run compile`,
 * render every output file, and compare byte for byte with the files on disk.
 */
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { ARTIFACTS_DIR, PACKAGE_DIR, renderOutputs } from '../scripts/render.ts'
import { type CompiledContract, compileContracts } from '../scripts/solc.ts'
import * as generated from './generated.ts'

const STALE = 'is stale: run `npm run compile -w @tollgate/contracts` and commit the result'

describe('checked-in contract artifacts', () => {
  let contracts: CompiledContract[]
  let outputs: Map<string, string>

  beforeAll(async () => {
    contracts = await compileContracts()
    outputs = renderOutputs(contracts)
  })

  it('match a fresh compile of the sources, file by file', async () => {
    for (const [path, expected] of outputs) {
      const actual = await readFile(join(PACKAGE_DIR, path), 'utf8').catch(() => '<missing>')
      expect(actual === expected, `${path} ${STALE}`).toBe(true)
    }
  })

  it('contain no artifact without a source', async () => {
    const onDisk = (await readdir(join(PACKAGE_DIR, ARTIFACTS_DIR))).map((file) =>
      join(ARTIFACTS_DIR, file),
    )
    const expected = [...outputs.keys()].filter((path) => path.startsWith(`${ARTIFACTS_DIR}/`))
    expect(onDisk.sort()).toEqual(expected.sort())
  })

  it('export the same ABI and bytecode values from generated.ts', () => {
    const byName = new Map(contracts.map((contract) => [contract.contractName, contract]))
    expect(generated.testUsdcAbi).toEqual(byName.get('TestUSDC')?.abi)
    expect(generated.testUsdcBytecode).toBe(byName.get('TestUSDC')?.bytecode)
    expect(generated.multicall3Abi).toEqual(byName.get('Multicall3')?.abi)
    expect(generated.multicall3Bytecode).toBe(byName.get('Multicall3')?.bytecode)
    expect(generated.testSmartWalletAbi).toEqual(byName.get('TestSmartWallet')?.abi)
    expect(generated.testSmartWalletBytecode).toBe(byName.get('TestSmartWallet')?.bytecode)
  })

  it('compile reproducibly: a second compile gives identical output', async () => {
    expect(await compileContracts()).toEqual(contracts)
  })
})
