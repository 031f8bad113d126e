import { rpcClient } from 'tollgate'
import type { Address } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { type Bench, log, post, type Side } from '../lib/setup.ts'

/**
 * Four copies of one payload settled at once, `rounds` times: how many transactions each side
 * sends, how many revert, and the gas those reverts burn.
 */
export async function benchDuplicates(
  bench: Bench,
  side: Side,
  signerKey: `0x${string}`,
  rounds: number,
) {
  const client = rpcClient(bench.anvil.rpcUrl)
  const signer: Address = privateKeyToAccount(signerKey).address
  const nonceBefore = await client.getTransactionCount({ address: signer })
  const blockBefore = await client.getBlockNumber({ cacheTime: 0 })
  let successes = 0
  for (let round = 0; round < rounds; round++) {
    const body = await bench.sign()
    const answers = await Promise.all(
      Array.from({ length: 4 }, () =>
        post(`${bench.facilitators[side].url}/settle`, body, () => true),
      ),
    )
    successes += answers.filter((answer) => answer.success === true).length
  }
  const sent = (await client.getTransactionCount({ address: signer })) - nonceBefore
  let reverted = 0
  let gasBurnt = 0n
  for (
    let block = blockBefore + 1n;
    block <= (await client.getBlockNumber({ cacheTime: 0 }));
    block++
  ) {
    const { transactions } = await client.getBlock({
      blockNumber: block,
      includeTransactions: true,
    })
    for (const transaction of transactions) {
      if (transaction.from.toLowerCase() !== signer.toLowerCase()) continue
      const receipt = await client.getTransactionReceipt({ hash: transaction.hash })
      if (receipt.status === 'reverted') {
        reverted++
        gasBurnt += receipt.gasUsed * receipt.effectiveGasPrice
      }
    }
  }
  log(`duplicates ${side}: ${sent} transactions for ${rounds} payments, ${reverted} reverted`)
  return {
    payments: rounds,
    copiesPerPayment: 4,
    successfulAnswers: successes,
    transactions: sent,
    reverted,
    gasBurntWei: gasBurnt.toString(),
  }
}
