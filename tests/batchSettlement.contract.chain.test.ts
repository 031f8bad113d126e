/**
 * Goal: the batch-settlement escrow and deposit collectors that the devnet places at their
 * canonical addresses behave as the canonical ones do: the escrow's ids and digests are the ones
 * x402 clients sign, deposits through either collector credit exactly what arrived, a signed
 * batch of cumulative claims moves only the new part (a resubmitted row is a no-op), settle pays
 * the receiver once, a signed refund is good once, and a withdrawal waits for the channel's delay.
 * Method: a fresh anvil and deployDevnet; every signature made with viem's typed-data signing
 * (our TS helpers only name the types); calls through viem; balances and state read back.
 */

import { testUsdcAbi } from '@tollgate/contracts'
import {
  ANVIL_ACCOUNTS,
  type AnvilProcess,
  DEVNET_ROLES,
  type DevnetContracts,
  deployDevnet,
  devnetChain,
  fundDevnet,
  startAnvil,
} from '@tollgate/devnet'
import {
  batchSettlementAbi,
  batchSettlementAddresses,
  type ChannelConfig,
  channelIdOf,
  claimBatchTypedData,
  contractChannelConfig,
  contractVoucherClaim,
  permit2Addresses,
  refundTypedData,
  signVoucher,
  type VoucherClaim,
  voucherDigest,
} from '@tollgate/evm'
import {
  BaseError,
  ContractFunctionRevertedError,
  createPublicClient,
  createTestClient,
  createWalletClient,
  type Hex,
  http,
  maxUint256,
  zeroAddress,
} from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  channelConfigFor,
  claimRow,
  erc3009Deposit,
  permit2Deposit,
} from './support/batchChannels.ts'

const deployer = ANVIL_ACCOUNTS[DEVNET_ROLES.deployer]
const submitter = privateKeyToAccount(ANVIL_ACCOUNTS[DEVNET_ROLES.facilitator].privateKey)
const payer = privateKeyToAccount(ANVIL_ACCOUNTS[DEVNET_ROLES.payer].privateKey)
const receiver = ANVIL_ACCOUNTS[DEVNET_ROLES.merchant].address
const receiverAuthorizer = privateKeyToAccount(generatePrivateKey())
const escrow = batchSettlementAddresses.escrow

let anvil: AnvilProcess
let contracts: DevnetContracts

beforeAll(async () => {
  anvil = await startAnvil()
  contracts = await deployDevnet({
    rpcUrl: anvil.rpcUrl,
    chainId: anvil.chainId,
    deployerPrivateKey: deployer.privateKey,
  })
  await fundDevnet({
    rpcUrl: anvil.rpcUrl,
    chainId: anvil.chainId,
    deployerPrivateKey: deployer.privateKey,
    token: contracts.token.address,
    usdc: [{ address: payer.address, amount: 1_000_000_000n }],
  })
  await mined(
    wallet(payer).writeContract({
      address: contracts.token.address,
      abi: testUsdcAbi,
      functionName: 'approve',
      args: [permit2Addresses.permit2, maxUint256],
    }),
  )
})
afterAll(() => anvil?.stop())

function chain() {
  return devnetChain(anvil.chainId, anvil.rpcUrl, contracts.multicall3)
}
function reader() {
  return createPublicClient({ chain: chain(), transport: http(), pollingInterval: 50 })
}
function wallet(account: ReturnType<typeof privateKeyToAccount>) {
  return createWalletClient({ account, chain: chain(), transport: http() })
}
async function mined(hash: Promise<Hex>) {
  const receipt = await reader().waitForTransactionReceipt({ hash: await hash })
  expect(receipt.status).toBe('success')
  return receipt
}
async function reverted(call: Promise<unknown>): Promise<string | undefined> {
  try {
    await call
  } catch (error) {
    const revert =
      error instanceof BaseError
        ? error.walk((cause) => cause instanceof ContractFunctionRevertedError)
        : undefined
    if (revert instanceof ContractFunctionRevertedError) return revert.data?.errorName
    throw error
  }
  throw new Error('the call did not revert')
}
function balanceOf(owner: string) {
  return reader().readContract({
    address: contracts.token.address,
    abi: testUsdcAbi,
    functionName: 'balanceOf',
    args: [owner as Hex],
  })
}
function channel(id: Hex) {
  return reader().readContract({
    address: escrow,
    abi: batchSettlementAbi,
    functionName: 'channels',
    args: [id],
  })
}

function newConfig(): ChannelConfig {
  return channelConfigFor(
    payer.address,
    receiver,
    receiverAuthorizer.address,
    contracts.token.address,
  )
}

async function depositWithErc3009(config: ChannelConfig, amount: bigint) {
  const { collector, collectorData } = await erc3009Deposit(
    payer,
    contracts.token,
    config,
    amount,
    anvil.chainId,
  )
  return mined(
    wallet(submitter).writeContract({
      address: escrow,
      abi: batchSettlementAbi,
      functionName: 'deposit',
      args: [contractChannelConfig(config), amount, collector, collectorData],
    }),
  )
}

function claimRowOf(config: ChannelConfig, max: bigint, total: bigint) {
  return claimRow(payer, config, max, total, anvil.chainId)
}
async function claimWithSignature(claims: VoucherClaim[], signer = receiverAuthorizer) {
  const signature = await signer.signTypedData(claimBatchTypedData(claims, anvil.chainId))
  return wallet(submitter).writeContract({
    address: escrow,
    abi: batchSettlementAbi,
    functionName: 'claimWithSignature',
    args: [claims.map(contractVoucherClaim), signature],
  })
}

describe('the batch-settlement escrow at its canonical address', () => {
  it('computes the channel ids and voucher digests that clients sign', async () => {
    const config = newConfig()
    const id = channelIdOf(config, anvil.chainId)
    const read = reader()
    expect(
      await read.readContract({
        address: escrow,
        abi: batchSettlementAbi,
        functionName: 'getChannelId',
        args: [contractChannelConfig(config)],
      }),
    ).toBe(id)
    const digest = await read.readContract({
      address: escrow,
      abi: [
        {
          type: 'function',
          name: 'getVoucherDigest',
          stateMutability: 'view',
          inputs: [
            { name: 'channelId', type: 'bytes32' },
            { name: 'maxClaimableAmount', type: 'uint128' },
          ],
          outputs: [{ name: '', type: 'bytes32' }],
        },
      ],
      functionName: 'getVoucherDigest',
      args: [id, 1000n],
    })
    expect(digest).toBe(voucherDigest(id, 1000n, anvil.chainId))
  })

  it('credits an ERC-3009 deposit, claims only the new part of each voucher and settles once', async () => {
    const config = newConfig()
    const id = channelIdOf(config, anvil.chainId)
    const payerBefore = await balanceOf(payer.address)
    await depositWithErc3009(config, 1_000n)
    expect(await channel(id)).toEqual([1_000n, 0n])
    expect(payerBefore - (await balanceOf(payer.address))).toBe(1_000n)

    await mined(claimWithSignature([await claimRowOf(config, 250n, 250n)]))
    expect(await channel(id)).toEqual([1_000n, 250n])
    // The same batch again, and an older voucher, change nothing and do not revert.
    await mined(
      claimWithSignature([
        await claimRowOf(config, 250n, 250n),
        await claimRowOf(config, 100n, 100n),
      ]),
    )
    expect(await channel(id)).toEqual([1_000n, 250n])

    const merchantBefore = await balanceOf(receiver)
    await mined(
      wallet(submitter).writeContract({
        address: escrow,
        abi: batchSettlementAbi,
        functionName: 'settle',
        args: [receiver, contracts.token.address],
      }),
    )
    expect((await balanceOf(receiver)) - merchantBefore).toBe(250n)
    await mined(
      wallet(submitter).writeContract({
        address: escrow,
        abi: batchSettlementAbi,
        functionName: 'settle',
        args: [receiver, contracts.token.address],
      }),
    )
    expect((await balanceOf(receiver)) - merchantBefore).toBe(250n)
  })

  it('refuses a claim above its voucher, above the deposit, with a forged voucher or a forged batch signature', async () => {
    const config = newConfig()
    await depositWithErc3009(config, 500n)
    const simulate = (claims: VoucherClaim[], signer = receiverAuthorizer) =>
      signer.signTypedData(claimBatchTypedData(claims, anvil.chainId)).then((signature) =>
        reader().simulateContract({
          account: submitter,
          address: escrow,
          abi: batchSettlementAbi,
          functionName: 'claimWithSignature',
          args: [claims.map(contractVoucherClaim), signature],
        }),
      )
    expect(await reverted(simulate([await claimRowOf(config, 100n, 101n)]))).toBe(
      'ClaimExceedsCeiling',
    )
    expect(await reverted(simulate([await claimRowOf(config, 600n, 600n)]))).toBe(
      'ClaimExceedsBalance',
    )
    const forged = {
      ...(await claimRowOf(config, 100n, 100n)),
      signature: await signVoucher(
        receiverAuthorizer,
        channelIdOf(config, anvil.chainId),
        100n,
        anvil.chainId,
      ),
    }
    expect(await reverted(simulate([forged]))).toBe('InvalidSignature')
    expect(
      await reverted(
        simulate([await claimRowOf(config, 100n, 100n)], privateKeyToAccount(generatePrivateKey())),
      ),
    ).toBe('InvalidSignature')
  })

  it('credits a Permit2 deposit through the Permit2 collector', async () => {
    const config = newConfig()
    const id = channelIdOf(config, anvil.chainId)
    const { collector, collectorData } = await permit2Deposit(
      payer,
      contracts.token.address,
      config,
      700n,
      anvil.chainId,
    )
    await mined(
      wallet(submitter).writeContract({
        address: escrow,
        abi: batchSettlementAbi,
        functionName: 'deposit',
        args: [contractChannelConfig(config), 700n, collector, collectorData],
      }),
    )
    expect(await channel(id)).toEqual([700n, 0n])
  })

  it('pays a signed refund once and a withdrawal only after the delay, then closes the channel', async () => {
    const config = newConfig()
    const id = channelIdOf(config, anvil.chainId)
    await depositWithErc3009(config, 1_000n)
    await mined(claimWithSignature([await claimRowOf(config, 300n, 300n)]))

    const refund = (nonce: bigint) =>
      receiverAuthorizer
        .signTypedData(refundTypedData(id, nonce, 200n, anvil.chainId))
        .then((signature) =>
          wallet(submitter).writeContract({
            address: escrow,
            abi: batchSettlementAbi,
            functionName: 'refundWithSignature',
            args: [contractChannelConfig(config), 200n, nonce, signature],
          }),
        )
    const payerBefore = await balanceOf(payer.address)
    await mined(refund(0n))
    expect((await balanceOf(payer.address)) - payerBefore).toBe(200n)
    expect(await reverted(refund(0n))).toBe('InvalidRefundNonce')
    expect(await channel(id)).toEqual([800n, 300n])

    await mined(
      wallet(payer).writeContract({
        address: escrow,
        abi: batchSettlementAbi,
        functionName: 'initiateWithdraw',
        args: [contractChannelConfig(config), 500n],
      }),
    )
    const finalize = () =>
      wallet(payer).writeContract({
        address: escrow,
        abi: batchSettlementAbi,
        functionName: 'finalizeWithdraw',
        args: [contractChannelConfig(config)],
      })
    expect(
      await reverted(
        reader().simulateContract({
          account: payer,
          address: escrow,
          abi: [
            ...batchSettlementAbi,
            { type: 'error', name: 'WithdrawDelayNotElapsed', inputs: [] },
          ],
          functionName: 'finalizeWithdraw',
          args: [contractChannelConfig(config)],
        }),
      ),
    ).toBe('WithdrawDelayNotElapsed')
    const test = createTestClient({ mode: 'anvil', chain: chain(), transport: http() })
    await test.increaseTime({ seconds: 901 })
    await test.mine({ blocks: 1 })
    const beforeWithdraw = await balanceOf(payer.address)
    await mined(finalize())
    expect((await balanceOf(payer.address)) - beforeWithdraw).toBe(500n)
    // Everything unclaimed went back: the channel is closed and starts from zero next time.
    expect(await channel(id)).toEqual([0n, 0n])
    expect(config.payerAuthorizer).not.toBe(zeroAddress)
  })
})
