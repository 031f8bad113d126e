/**
 * A test EIP-1193 wallet for real-browser tests: `window.ethereum` in the page bridges each
 * request to Node, where a viem account signs. It behaves like an extension wallet: lowercase
 * accounts, hex chain ids, EIP-1193 error codes (4001 for a refusal).
 */
import type { BrowserContext } from 'playwright-core'
import type { Hex, TypedDataDefinition } from 'viem'
import type { PrivateKeyAccount } from 'viem/accounts'

export interface TestWallet {
  account: PrivateKeyAccount
  chainId: number
  /** Answers signature requests with 4001, as a person pressing "Reject". */
  rejectSignatures?: boolean
  /** The methods the page called, in order. */
  calls: string[]
}

type Answer = { result: unknown } | { error: { code: number; message: string } }

/** The page side: `window.ethereum.request` forwards to the exposed Node function. */
const injectedProvider = `
window.ethereum = {
  isTollgateTestWallet: true,
  async request({ method, params }) {
    const answer = await window.__tollgateTestWallet(method, params ?? [])
    if ('error' in answer) {
      const error = new Error(answer.error.message)
      error.code = answer.error.code
      throw error
    }
    return answer.result
  },
}
`

/** Installs the wallet in every page of `context`, before any page script runs. */
export async function installTestWallet(context: BrowserContext, wallet: TestWallet) {
  await context.exposeFunction(
    '__tollgateTestWallet',
    async (method: string, params: unknown[]): Promise<Answer> => {
      wallet.calls.push(method)
      try {
        return { result: await answer(wallet, method, params) }
      } catch (error) {
        const code = typeof error === 'object' && error && 'code' in error ? error.code : -32603
        return { error: { code: Number(code), message: String((error as Error).message) } }
      }
    },
  )
  await context.addInitScript({ content: injectedProvider })
}

async function answer(wallet: TestWallet, method: string, params: unknown[]): Promise<unknown> {
  switch (method) {
    case 'eth_requestAccounts':
    case 'eth_accounts':
      return [wallet.account.address.toLowerCase()]
    case 'eth_chainId':
      return `0x${wallet.chainId.toString(16)}`
    case 'wallet_switchEthereumChain': {
      const [{ chainId }] = params as [{ chainId: string }]
      wallet.chainId = Number.parseInt(chainId, 16)
      return null
    }
    case 'eth_signTypedData_v4': {
      const [address, json] = params as [string, string]
      if (wallet.rejectSignatures) throw rpcError(4001, 'User rejected the request.')
      if (address.toLowerCase() !== wallet.account.address.toLowerCase())
        throw rpcError(4100, `unknown account ${address}`)
      return signTypedDataJson(wallet.account, json)
    }
    default:
      throw rpcError(4200, `unsupported method ${method}`)
  }
}

function rpcError(code: number, message: string): Error & { code: number } {
  return Object.assign(new Error(message), { code })
}

/**
 * Signs `eth_signTypedData_v4` JSON as a wallet does, with the types the JSON declares: integer
 * fields of the primary type, given as decimal strings, are read as integers.
 */
export function signTypedDataJson(account: PrivateKeyAccount, json: string): Promise<Hex> {
  const { types, primaryType } = JSON.parse(json) as {
    types: Record<string, Array<{ name: string; type: string }>>
    primaryType: string
  }
  const integers = new Set(
    (types[primaryType] ?? []).filter((field) => /^u?int/.test(field.type)).map((f) => f.name),
  )
  const definition: TypedDataDefinition = JSON.parse(json, (key, value) =>
    integers.has(key) && typeof value === 'string' ? BigInt(value) : value,
  )
  return account.signTypedData(definition)
}
