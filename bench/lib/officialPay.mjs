// The official x402 client paying one URL from a fresh process, for the cold-start comparison.
import { ExactEvmScheme } from '@x402/evm/exact/client'
import { wrapFetchWithPayment, x402Client } from '@x402/fetch'
import { privateKeyToAccount } from 'viem/accounts'

const signer = privateKeyToAccount(process.env.TOLLGATE_PRIVATE_KEY)
const client = new x402Client().register('eip155:*', new ExactEvmScheme(signer))
const response = await wrapFetchWithPayment(fetch, client)(process.argv[2])
process.stdout.write(String(response.status))
