import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { toFacilitatorEvmSigner } from '@x402/evm'
import type express from 'express'
import { createWalletClient, type Hex, http, publicActions } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'

/** Listens on a free port; `closers` gets what stops it (open connections included). */
export async function startExpress(
  app: express.Express,
  closers: Array<() => Promise<void>>,
): Promise<string> {
  const server: Server = await new Promise((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening))
  })
  closers.push(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  )
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

/** A signer for the official @x402/evm facilitators, on a viem wallet over `rpcUrl`. */
export function officialFacilitatorSigner(privateKey: Hex, rpcUrl: string) {
  const account = privateKeyToAccount(privateKey)
  const client = createWalletClient({ account, transport: http(rpcUrl) }).extend(publicActions)
  return toFacilitatorEvmSigner({
    address: account.address,
    readContract: (args) => client.readContract(args),
    verifyTypedData: (args) =>
      client.verifyTypedData(args as Parameters<typeof client.verifyTypedData>[0]),
    writeContract: (args) => client.writeContract({ ...args, chain: null }),
    sendTransaction: (args) => client.sendTransaction({ ...args, chain: null }),
    waitForTransactionReceipt: (args) => client.waitForTransactionReceipt(args),
    getCode: (args) => client.getCode(args),
  })
}
