/**
 * Goal: our Multicall3 is a drop-in for the canonical one. Method: check its ABI against every
 * Multicall3 entry viem ships, run viem's own `multicall` through the devnet chain definition, then
 * call each batch function with a mix of succeeding and failing calls and check per-call results.
 */

import { multicall3Abi, testUsdcAbi } from '@tollgate/contracts'
import {
  type Address,
  decodeFunctionResult,
  encodeFunctionData,
  toFunctionSelector,
  toFunctionSignature,
  multicall3Abi as viemMulticall3Abi,
} from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ContractsFixture, startContractsFixture } from './support/fixture.ts'
import { revertReason } from './support/revert.ts'

let f: ContractsFixture

beforeAll(async () => {
  f = await startContractsFixture()
})

afterAll(async () => {
  await f?.stop()
})

function balanceOfCall(address: Address) {
  return encodeFunctionData({ abi: testUsdcAbi, functionName: 'balanceOf', args: [address] })
}

/** Always reverts when sent by Multicall3: it holds no USDC to transfer. */
function failingCall() {
  return encodeFunctionData({
    abi: testUsdcAbi,
    functionName: 'transfer',
    args: [f.merchant.account.address, 1n],
  })
}

/**
 * ABI entries compared by what reaches the wire: names and types. Dropped: solc's `internalType`
 * annotations, and `stateMutability`, which viem declares `view` for aggregate3 (so it can be
 * read with eth_call) while the canonical contract, like ours, declares it `payable`.
 */
function shape(entry: unknown): unknown {
  const ignored = new Set(['internalType', 'stateMutability'])
  return JSON.parse(JSON.stringify(entry, (key, value) => (ignored.has(key) ? undefined : value)))
}

describe('Multicall3 ABI', () => {
  it('has exactly the canonical Multicall3 functions and selectors', () => {
    const functions = multicall3Abi.filter((entry) => entry.type === 'function')
    const selectors = functions.map(
      (entry) => `${toFunctionSelector(entry)} ${toFunctionSignature(entry)}`,
    )
    expect(selectors.sort()).toEqual([
      '0x0f28c97d getCurrentBlockTimestamp()',
      '0x174dea71 aggregate3Value((address,bool,uint256,bytes)[])',
      '0x252dba42 aggregate((address,bytes)[])',
      '0x27e86d6e getLastBlockHash()',
      '0x3408e470 getChainId()',
      '0x399542e9 tryBlockAndAggregate(bool,(address,bytes)[])',
      '0x3e64a696 getBasefee()',
      '0x42cbb15c getBlockNumber()',
      '0x4d2301cc getEthBalance(address)',
      '0x72425d9d getCurrentBlockDifficulty()',
      '0x82ad56cb aggregate3((address,bool,bytes)[])',
      '0x86d516e8 getCurrentBlockGasLimit()',
      '0xa8b0574e getCurrentBlockCoinbase()',
      '0xbce38bd7 tryAggregate(bool,(address,bytes)[])',
      '0xc3077fa9 blockAndAggregate((address,bytes)[])',
      '0xee82ac5e getBlockHash(uint256)',
    ])
  })

  it('matches every entry of the canonical ABI that viem ships', () => {
    for (const item of viemMulticall3Abi) {
      const ours = multicall3Abi.find(
        (entry) => entry.type === 'function' && entry.name === item.name,
      )
      expect(shape(ours), item.name).toEqual(shape(item))
    }
  })
})

describe('Multicall3 batches', () => {
  it('serves viem multicall through the devnet chain definition', async () => {
    const results = await f.publicClient.multicall({
      contracts: [
        {
          address: f.token,
          abi: testUsdcAbi,
          functionName: 'balanceOf',
          args: [f.payer.account.address],
        },
        { address: f.token, abi: testUsdcAbi, functionName: 'decimals' },
        {
          address: f.token,
          abi: testUsdcAbi,
          functionName: 'mint',
          args: [f.merchant.account.address, 1n],
        },
      ],
    })
    expect(results[0]).toEqual({ status: 'success', result: expect.any(BigInt) })
    expect(results[1]).toEqual({ status: 'success', result: 6 })
    expect(results[2]?.status).toBe('failure')
  })

  it('aggregate3 returns a result per call when failures are allowed', async () => {
    const { result } = await f.publicClient.simulateContract({
      account: f.facilitator.account,
      address: f.multicall3,
      abi: multicall3Abi,
      functionName: 'aggregate3',
      args: [
        [
          { target: f.token, allowFailure: true, callData: balanceOfCall(f.payer.account.address) },
          { target: f.token, allowFailure: true, callData: failingCall() },
        ],
      ],
    })
    expect(result.map((item) => item.success)).toEqual([true, false])
    const balance = decodeFunctionResult({
      abi: testUsdcAbi,
      functionName: 'balanceOf',
      data: result[0]?.returnData ?? '0x',
    })
    expect(balance).toBeGreaterThan(0n)
    // The failed call's revert data is passed through: Error(string) with the token's reason.
    expect(result[1]?.returnData.startsWith('0x08c379a0')).toBe(true)
  })

  it('aggregate3 reverts the batch when a call that may not fail fails', async () => {
    const call = f.publicClient.simulateContract({
      account: f.facilitator.account,
      address: f.multicall3,
      abi: multicall3Abi,
      functionName: 'aggregate3',
      args: [[{ target: f.token, allowFailure: false, callData: failingCall() }]],
    })
    expect(await revertReason(call)).toBe('Multicall3: call failed')
  })

  it('aggregate3Value forwards values and requires them to add up to msg.value', async () => {
    const calls = [
      { target: f.merchant.account.address, allowFailure: false, value: 5n, callData: '0x' },
      { target: f.payer.account.address, allowFailure: false, value: 7n, callData: '0x' },
    ] as const
    const send = (value: bigint) =>
      f.publicClient.simulateContract({
        account: f.facilitator.account,
        address: f.multicall3,
        abi: multicall3Abi,
        functionName: 'aggregate3Value',
        args: [calls],
        value,
      })
    expect((await send(12n)).result.map((item) => item.success)).toEqual([true, true])
    expect(await revertReason(send(13n))).toBe('Multicall3: value mismatch')
  })

  it('aggregate and tryAggregate follow their requireSuccess rules', async () => {
    const calls = [
      { target: f.token, callData: balanceOfCall(f.payer.account.address) },
      { target: f.token, callData: failingCall() },
    ]
    const base = { account: f.facilitator.account, address: f.multicall3, abi: multicall3Abi }
    const tried = await f.publicClient.simulateContract({
      ...base,
      functionName: 'tryAggregate',
      args: [false, calls],
    })
    expect(tried.result.map((item) => item.success)).toEqual([true, false])
    const strict = f.publicClient.simulateContract({
      ...base,
      functionName: 'tryAggregate',
      args: [true, calls],
    })
    expect(await revertReason(strict)).toBe('Multicall3: call failed')
    const aggregate = f.publicClient.simulateContract({
      ...base,
      functionName: 'aggregate',
      args: [calls],
    })
    expect(await revertReason(aggregate)).toBe('Multicall3: call failed')
    const [blockNumber, returnData] = (
      await f.publicClient.simulateContract({
        ...base,
        functionName: 'aggregate',
        args: [calls.slice(0, 1)],
      })
    ).result
    expect(blockNumber).toBeGreaterThan(0n)
    expect(returnData).toHaveLength(1)
    const [, , blockResults] = (
      await f.publicClient.simulateContract({
        ...base,
        functionName: 'blockAndAggregate',
        args: [calls.slice(0, 1)],
      })
    ).result
    expect(blockResults.map((item) => item.success)).toEqual([true])
  })
})

describe('Multicall3 block getters', () => {
  it('report the chain and block the call runs in', async () => {
    const read = <
      const name extends
        | 'getChainId'
        | 'getBlockNumber'
        | 'getCurrentBlockTimestamp'
        | 'getCurrentBlockGasLimit'
        | 'getBasefee'
        | 'getLastBlockHash'
        | 'getCurrentBlockCoinbase'
        | 'getCurrentBlockDifficulty',
    >(
      functionName: name,
    ) => f.publicClient.readContract({ address: f.multicall3, abi: multicall3Abi, functionName })
    const block = await f.publicClient.getBlock()
    expect(await read('getChainId')).toBe(BigInt(f.anvil.chainId))
    expect(await read('getBlockNumber')).toBe(block.number)
    expect(await read('getCurrentBlockTimestamp')).toBe(block.timestamp)
    expect(await read('getCurrentBlockGasLimit')).toBe(block.gasLimit)
    expect(await read('getBasefee')).toBe(block.baseFeePerGas)
    expect(await read('getLastBlockHash')).toBe(block.parentHash)
    expect(await read('getCurrentBlockCoinbase')).toBe(block.miner)
    expect(typeof (await read('getCurrentBlockDifficulty'))).toBe('bigint')
    const balance = await f.publicClient.readContract({
      address: f.multicall3,
      abi: multicall3Abi,
      functionName: 'getEthBalance',
      args: [f.payer.account.address],
    })
    expect(balance).toBe(await f.publicClient.getBalance({ address: f.payer.account.address }))
    const hash = await f.publicClient.readContract({
      address: f.multicall3,
      abi: multicall3Abi,
      functionName: 'getBlockHash',
      args: [block.number - 1n],
    })
    expect(hash).toBe(block.parentHash)
  })
})
