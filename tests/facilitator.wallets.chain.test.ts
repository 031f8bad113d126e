/**
 * Smart-wallet payers: an ERC-1271 wallet pays through its owner's signature (code at the
 * payer routes the check to the wallet, with no ECDSA fallback), and an ERC-6492 counterfactual
 * wallet from a factory nobody allowed is refused (fail closed).
 */

import { testSmartWalletAbi, testSmartWalletBytecode } from '@tollgate/contracts'
import type { PaymentRequirements } from '@tollgate/core'
import { ANVIL_ACCOUNTS, devnetChain } from '@tollgate/devnet'
import { type DevStack, rpcClient } from 'tollgate'
import {
  type Address,
  createWalletClient,
  erc20Abi,
  getAddress,
  type Hex,
  http,
  serializeErc6492Signature,
} from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  facilitatorBody,
  postFacilitator,
  signPayment,
  startTestStack,
  tokenBalance,
  weatherRequirements,
} from './support/stack.ts'

let stack: DevStack
let requirements: PaymentRequirements
let wallet: Address
const owner = privateKeyToAccount(ANVIL_ACCOUNTS[9].privateKey)

beforeAll(async () => {
  stack = await startTestStack()
  requirements = weatherRequirements(stack.manifest)
  const { manifest } = stack
  const chain = devnetChain(manifest.chainId, manifest.rpcUrl, manifest.multicall3!)
  const client = rpcClient(manifest.rpcUrl)
  const ownerWallet = createWalletClient({
    account: owner,
    chain,
    transport: http(manifest.rpcUrl),
  })
  const deployment = await client.waitForTransactionReceipt({
    hash: await ownerWallet.deployContract({
      abi: testSmartWalletAbi,
      bytecode: testSmartWalletBytecode,
      args: [owner.address],
    }),
  })
  wallet = getAddress(deployment.contractAddress!)
  const payer = createWalletClient({
    account: privateKeyToAccount(manifest.accounts.payer.privateKey),
    chain,
    transport: http(manifest.rpcUrl),
  })
  await client.waitForTransactionReceipt({
    hash: await payer.writeContract({
      address: manifest.asset.address,
      abi: erc20Abi,
      functionName: 'transfer',
      args: [wallet, 10_000n],
    }),
  })
})
afterAll(() => stack?.stop())

describe('ERC-1271 wallet', () => {
  it('pays with its owner signature, and the wallet is the payer', async () => {
    const payload = await signPayment(stack.manifest, requirements, {
      signer: owner,
      authorization: { from: wallet },
    })
    const body = facilitatorBody(payload, requirements)
    expect((await postFacilitator(stack.manifest, '/verify', body)).body).toEqual({
      isValid: true,
      payer: wallet,
    })
    const settled = await postFacilitator(stack.manifest, '/settle', body)
    expect(settled.body).toMatchObject({ success: true, payer: wallet })
    expect(await tokenBalance(stack.manifest, wallet)).toBe(9_000n)
  })

  it('refuses a signature its owner did not make, with no ECDSA fallback', async () => {
    // The wallet address signs nothing; a stranger's ECDSA signature "from" the wallet must fail.
    const stranger = privateKeyToAccount(`0x${'44'.repeat(32)}`)
    const payload = await signPayment(stack.manifest, requirements, {
      signer: stranger,
      authorization: { from: wallet },
    })
    expect(
      (await postFacilitator(stack.manifest, '/verify', facilitatorBody(payload, requirements)))
        .body,
    ).toMatchObject({
      isValid: false,
      invalidReason: 'invalid_exact_evm_signature',
      payer: wallet,
    })
  })
})

describe('ERC-6492 counterfactual wallet', () => {
  it('is refused when its factory is not allowed, before any simulation', async () => {
    const counterfactual = privateKeyToAccount(`0x${'55'.repeat(32)}`).address
    const factory: Address = '0x000000000000000000000000000000000000fac7'
    const payload = await signPayment(stack.manifest, requirements, {
      signer: owner,
      authorization: { from: counterfactual },
      signature: (inner: Hex) =>
        serializeErc6492Signature({ address: factory, data: '0xdeadbeef', signature: inner }),
    })
    expect(
      (await postFacilitator(stack.manifest, '/verify', facilitatorBody(payload, requirements)))
        .body,
    ).toMatchObject({
      isValid: false,
      invalidReason: 'eip6492_factory_not_allowed',
    })
  })
})
