/**
 * Funds devnet accounts with test USDC and ether.
 * @module
 */
import { testUsdcAbi } from '@tollgate/contracts'
import type { Address, Hash, Hex } from 'viem'
import { connectDevnet, waitForSuccess } from './devnetClients.ts'
import { DevnetError } from './errors.ts'

export type FundDevnetOptions = {
  rpcUrl: string
  chainId: number
  /** TestUSDC's owner (its deployer): only it can mint. Also the sender of `eth` transfers. */
  deployerPrivateKey: Hex
  /** TestUSDC address, from `deployDevnet`. */
  token: Address
  /** Mints `amount` (atomic units, 6 decimals) to each address. */
  usdc?: ReadonlyArray<{ address: Address; amount: bigint }>
  /** Sends `amount` wei to each address from the deployer (works on any node). */
  eth?: ReadonlyArray<{ address: Address; amount: bigint }>
  /** Sets each ether balance to exactly `balance` wei with `anvil_setBalance` (anvil only). */
  ethBalance?: ReadonlyArray<{ address: Address; balance: bigint }>
}

export type FundDevnetResult = {
  /** Mint and transfer transactions, in the order they were sent; all succeeded. */
  transactions: Hash[]
}

/**
 * Mints test USDC and sends ether, then waits until every transaction has succeeded.
 * @throws DevnetError `INVALID_OPTIONS`, `CHAIN_ID_MISMATCH` or `TRANSACTION_FAILED`.
 * @example
 * await fundDevnet({
 *   rpcUrl: anvil.rpcUrl,
 *   chainId: anvil.chainId,
 *   deployerPrivateKey: ANVIL_ACCOUNTS[DEVNET_ROLES.deployer].privateKey,
 *   token: contracts.token.address,
 *   usdc: [{ address: ANVIL_ACCOUNTS[DEVNET_ROLES.payer].address, amount: 1_000_000_000n }],
 * })
 */
export async function fundDevnet(options: FundDevnetOptions): Promise<FundDevnetResult> {
  const usdc = options.usdc ?? []
  const eth = options.eth ?? []
  const ethBalance = options.ethBalance ?? []
  requireNonNegative(
    [...usdc, ...eth].map((entry) => entry.amount),
    'amount',
  )
  requireNonNegative(
    ethBalance.map((entry) => entry.balance),
    'balance',
  )
  const { account, publicClient, walletClient, testClient } = await connectDevnet(
    options.rpcUrl,
    options.chainId,
    options.deployerPrivateKey,
  )
  for (const { address, balance } of ethBalance) {
    await testClient.setBalance({ address, value: balance })
  }
  // Consecutive explicit nonces let every transaction go out before any receipt is awaited.
  let nonce = await publicClient.getTransactionCount({
    address: account.address,
    blockTag: 'pending',
  })
  const sent: Array<{ hash: Hash; label: string }> = []
  for (const { address, amount } of usdc) {
    const hash = await walletClient.writeContract({
      address: options.token,
      abi: testUsdcAbi,
      functionName: 'mint',
      args: [address, amount],
      nonce: nonce++,
    })
    sent.push({ hash, label: `mint of ${amount} test USDC to ${address}` })
  }
  for (const { address, amount } of eth) {
    const hash = await walletClient.sendTransaction({ to: address, value: amount, nonce: nonce++ })
    sent.push({ hash, label: `transfer of ${amount} wei to ${address}` })
  }
  await waitForSuccess(publicClient, sent)
  return { transactions: sent.map((transaction) => transaction.hash) }
}

function requireNonNegative(values: readonly bigint[], name: string): void {
  if (values.some((value) => value < 0n)) {
    throw new DevnetError('INVALID_OPTIONS', `fundDevnet: every ${name} must be >= 0`)
  }
}
