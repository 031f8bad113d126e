// A facilitator built from the official @x402/core and @x402/evm packages in their best
// configuration: viem's nonce manager (concurrent settles fail without it) and 25 ms receipt polling.
import { x402Facilitator } from '@x402/core/facilitator'
import type { PaymentPayload, PaymentRequirements } from '@x402/core/types'
import { toFacilitatorEvmSigner } from '@x402/evm'
import { ExactEvmScheme } from '@x402/evm/exact/facilitator'
import { Hono } from 'hono'
import { listen } from 'tollgate'
import { createWalletClient, http, nonceManager, publicActions } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { anvil } from 'viem/chains'
import { announce, readServiceEnv } from './env.ts'

const env = readServiceEnv()
const account = privateKeyToAccount(env.key, { nonceManager })
const client = createWalletClient({
  account,
  chain: anvil,
  transport: http(env.rpcUrl),
  pollingInterval: 25,
}).extend(publicActions)
const signer = toFacilitatorEvmSigner({
  address: account.address,
  getCode: (args) => client.getCode(args),
  readContract: (args) => client.readContract({ ...args, args: args.args ?? [] }),
  verifyTypedData: (args) =>
    client.verifyTypedData(args as Parameters<typeof client.verifyTypedData>[0]),
  writeContract: (args) => client.writeContract({ ...args, args: args.args ?? [] }),
  sendTransaction: (args) => client.sendTransaction(args),
  waitForTransactionReceipt: (args) => client.waitForTransactionReceipt(args),
})
const facilitator = new x402Facilitator().register(env.network, new ExactEvmScheme(signer))

type Body = { paymentPayload: PaymentPayload; paymentRequirements: PaymentRequirements }
const app = new Hono()
app.get('/supported', (c) => c.json(facilitator.getSupported()))
app.post('/verify', async (c) => {
  const { paymentPayload, paymentRequirements } = await c.req.json<Body>()
  return c.json(await facilitator.verify(paymentPayload, paymentRequirements))
})
app.post('/settle', async (c) => {
  const { paymentPayload, paymentRequirements } = await c.req.json<Body>()
  return c.json(await facilitator.settle(paymentPayload, paymentRequirements))
})
announce((await listen(app, 0)).url)
