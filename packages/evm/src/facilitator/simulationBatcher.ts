import {
  type Address,
  decodeFunctionResult,
  encodeFunctionData,
  type Hex,
  type PublicClient,
} from 'viem'
import { aggregate3Abi } from '../abi.ts'
import { isRevertError } from './rpcErrors.ts'

interface Request {
  key: string
  asset: Address
  data: Hex
  resolve: (ok: boolean) => void
  reject: (error: unknown) => void
}

/**
 * Simulates many transfers in one `eth_call` through Multicall3 (`aggregate3`, failure allowed
 * per call): verifications that arrive together share one round trip. The calls run in order on
 * one state, so a payer's second payment sees the first one's debit; a transfer that fails here
 * is simulated again on its own before anyone is told it fails.
 */
export class SimulationBatcher {
  readonly #client: PublicClient
  readonly #multicall3: Address
  readonly #from: Address
  readonly #maxSize: number
  #pending: Request[] = []
  #scheduled = false

  constructor(options: {
    client: PublicClient
    multicall3: Address
    from: Address
    maxSize?: number
  }) {
    this.#client = options.client
    this.#multicall3 = options.multicall3
    this.#from = options.from
    this.#maxSize = options.maxSize ?? 64
  }

  /** True when the transfer would succeed; RPC failures reject (they are not verdicts). */
  simulate(key: string, asset: Address, data: Hex): Promise<boolean> {
    return new Promise((resolve, reject) => {
      this.#pending.push({ key, asset, data, resolve, reject })
      if (this.#pending.length >= this.#maxSize) this.#flush()
      else if (!this.#scheduled) {
        this.#scheduled = true
        setImmediate(() => this.#flush())
      }
    })
  }

  #flush(): void {
    this.#scheduled = false
    const batch = this.#pending.splice(0)
    if (batch.length === 0) return
    // The same authorization twice would fail the second time: simulate it once.
    const unique = [...new Map(batch.map((request) => [request.key, request])).values()]
    this.#run(unique).then(
      (results) => {
        for (const request of batch) request.resolve(results.get(request.key) ?? false)
      },
      (error: unknown) => {
        for (const request of batch) request.reject(error)
      },
    )
  }

  async #run(requests: Request[]): Promise<Map<string, boolean>> {
    if (requests.length === 1) {
      const [only] = requests
      try {
        await this.#client.call({ account: this.#from, to: only!.asset, data: only!.data })
        return new Map([[only!.key, true]])
      } catch (error) {
        if (isRevertError(error)) return new Map([[only!.key, false]])
        throw error
      }
    }
    const result = await this.#client.call({
      account: this.#from,
      to: this.#multicall3,
      data: encodeFunctionData({
        abi: aggregate3Abi,
        functionName: 'aggregate3',
        args: [
          requests.map((request) => ({
            target: request.asset,
            allowFailure: true,
            callData: request.data,
          })),
        ],
      }),
    })
    const outcomes = decodeFunctionResult({
      abi: aggregate3Abi,
      functionName: 'aggregate3',
      data: result.data ?? '0x',
    })
    return new Map(
      requests.map((request, index) => [request.key, outcomes[index]?.success === true]),
    )
  }
}
