/**
 * Goal: a fresh anvil plus deployDevnet and fundDevnet gives the devnet every other package builds
 * on: contracts at fixed addresses, funded roles, and a chain object viem can multicall through.
 * Method: run the three steps on a new anvil and read everything back over RPC.
 */

import { testUsdcAbi } from '@tollgate/contracts'
import { createPublicClient, http, parseEther } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ANVIL_ACCOUNTS, DEVNET_ROLES } from './anvilAccounts.ts'
import { type DevnetContracts, deployDevnet } from './deployDevnet.ts'
import { devnetChain } from './devnetChain.ts'
import { isDevnetError } from './errors.ts'
import { fundDevnet } from './fundDevnet.ts'
import { type AnvilProcess, startAnvil } from './startAnvil.ts'

const deployer = ANVIL_ACCOUNTS[DEVNET_ROLES.deployer]
const payer = ANVIL_ACCOUNTS[DEVNET_ROLES.payer]
const merchant = ANVIL_ACCOUNTS[DEVNET_ROLES.merchant]
/** An address no anvil account owns, so its balances start at zero. */
const OUTSIDER = '0x000000000000000000000000000000000000dEaD'

let anvil: AnvilProcess
let contracts: DevnetContracts

beforeAll(async () => {
  anvil = await startAnvil()
  contracts = await deployDevnet({
    rpcUrl: anvil.rpcUrl,
    chainId: anvil.chainId,
    deployerPrivateKey: deployer.privateKey,
  })
})

afterAll(async () => {
  await anvil?.stop()
})

function client() {
  const chain = devnetChain(anvil.chainId, anvil.rpcUrl, contracts.multicall3)
  return createPublicClient({ chain, transport: http() })
}

describe('deployDevnet', () => {
  it('deploys TestUSDC then Multicall3 at the addresses fixed by deployer and nonce', () => {
    expect(contracts).toEqual({
      token: {
        address: '0x5FbDB2315678afecb367f032d93F642f64180aa3',
        name: 'USD Coin',
        symbol: 'USDC',
        version: '2',
        decimals: 6,
      },
      multicall3: '0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512',
      canonical: {
        multicall3: '0xcA11bde05977b3631167028862bE2a173976CA11',
        permit2: '0x000000000022D473030F116dDEE9F6B43aC78BA3',
        x402ExactPermit2Proxy: '0x402085c248EeA27D92E8b30b2C58ed07f9E20001',
        x402UptoPermit2Proxy: '0x4020A4f3b7b90ccA423B9fabCc0CE57C6C240002',
        x402BatchSettlement: '0x4020074e9dF2ce1deE5A9C1b5c3f541D02a10003',
        erc3009DepositCollector: '0x4020806089470a89826cB9fB1f4059150b550004',
        permit2DepositCollector: '0x4020425FAf3B746C082C2f942b4E5159887B0005',
        identityRegistry: '0x8004A818BFB912233c491871b3d84c89A494BD9e',
        reputationRegistry: '0x8004B663056A597Dffe9eCcC1965A193B7388713',
        validationRegistry: '0x8004Cb1BF31DAf7788923b405b754f57acEB4272',
      },
      deployBlock: 1n,
    })
  })

  it('deploys a token whose on-chain metadata matches what it returns', async () => {
    const results = await client().multicall({
      allowFailure: false,
      contracts: (['name', 'symbol', 'version', 'decimals', 'owner'] as const).map(
        (functionName) => ({ address: contracts.token.address, abi: testUsdcAbi, functionName }),
      ),
    })
    expect(results).toEqual(['USD Coin', 'USDC', '2', 6, deployer.address])
  })

  it('accepts custom token metadata and refuses a chain id the node does not have', async () => {
    const custom = await deployDevnet({
      rpcUrl: anvil.rpcUrl,
      chainId: anvil.chainId,
      deployerPrivateKey: deployer.privateKey,
      token: { name: 'USDC' },
    })
    expect(custom.token).toMatchObject({ name: 'USDC', symbol: 'USDC', version: '2' })
    const error = await deployDevnet({
      rpcUrl: anvil.rpcUrl,
      chainId: 84532,
      deployerPrivateKey: deployer.privateKey,
    }).catch((caught: unknown) => caught)
    expect(isDevnetError(error, 'CHAIN_ID_MISMATCH')).toBe(true)
    expect(String(error)).toContain('reports chain id 31337, expected 84532')
  })
})

describe('fundDevnet', () => {
  it('mints test USDC, sends ether and sets balances', async () => {
    const before = await client().getBalance({ address: merchant.address })
    const { transactions } = await fundDevnet({
      rpcUrl: anvil.rpcUrl,
      chainId: anvil.chainId,
      deployerPrivateKey: deployer.privateKey,
      token: contracts.token.address,
      usdc: [
        { address: payer.address, amount: 1_000_000_000n },
        { address: OUTSIDER, amount: 5n },
      ],
      eth: [{ address: merchant.address, amount: parseEther('1') }],
      ethBalance: [{ address: OUTSIDER, balance: parseEther('3') }],
    })
    expect(transactions).toHaveLength(3)
    const balances = await client().multicall({
      allowFailure: false,
      contracts: [payer.address, OUTSIDER].map((address) => ({
        address: contracts.token.address,
        abi: testUsdcAbi,
        functionName: 'balanceOf',
        args: [address],
      })),
    })
    expect(balances).toEqual([1_000_000_000n, 5n])
    expect(await client().getBalance({ address: OUTSIDER })).toBe(parseEther('3'))
    expect((await client().getBalance({ address: merchant.address })) - before).toBe(
      parseEther('1'),
    )
  })

  it('fails before sending anything when the key is not the token owner', async () => {
    const call = fundDevnet({
      rpcUrl: anvil.rpcUrl,
      chainId: anvil.chainId,
      deployerPrivateKey: payer.privateKey,
      token: contracts.token.address,
      usdc: [{ address: payer.address, amount: 1n }],
    })
    await expect(call).rejects.toThrow('TestUSDC: caller is not the owner')
  })

  it('rejects negative amounts', async () => {
    const call = fundDevnet({
      rpcUrl: anvil.rpcUrl,
      chainId: anvil.chainId,
      deployerPrivateKey: deployer.privateKey,
      token: contracts.token.address,
      eth: [{ address: OUTSIDER, amount: -1n }],
    })
    await expect(call).rejects.toThrow('fundDevnet: every amount must be >= 0')
  })
})
