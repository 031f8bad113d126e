import type {
  FacilitatorClient,
  PaymentPayload,
  PaymentRequirements,
  SettleResponse,
  SupportedResponse,
  VerifyResponse,
} from '@tollgate/core'

type Answer<T> = T | Error | (() => T | Promise<T>)

/**
 * A facilitator whose answers a test sets, to drive the middleware through outcomes a real chain
 * gives rarely (settle failing after verify, pending, unreachable). It records every call.
 */
export class ScriptedFacilitator implements FacilitatorClient {
  readonly url = 'scripted://facilitator'
  calls = { supported: 0, verify: 0, settle: 0 }
  supportedAnswer: Answer<SupportedResponse>
  verifyAnswer: Answer<VerifyResponse> = {
    isValid: true,
    payer: '0x0000000000000000000000000000000000000001',
  }
  settleAnswer: Answer<SettleResponse> = {
    success: true,
    transaction: `0x${'ab'.repeat(32)}`,
    network: 'eip155:31337',
    payer: '0x0000000000000000000000000000000000000001',
  }

  constructor(networks: string[] = ['eip155:31337']) {
    this.supportedAnswer = {
      kinds: networks.map((network) => ({ x402Version: 2, scheme: 'exact', network })),
      extensions: [],
      signers: {},
    }
  }

  async supported(): Promise<SupportedResponse> {
    this.calls.supported++
    return resolve(this.supportedAnswer)
  }

  async verify(
    _payload: PaymentPayload,
    _requirements: PaymentRequirements,
  ): Promise<VerifyResponse> {
    this.calls.verify++
    return resolve(this.verifyAnswer)
  }

  async settle(
    _payload: PaymentPayload,
    _requirements: PaymentRequirements,
  ): Promise<SettleResponse> {
    this.calls.settle++
    return resolve(this.settleAnswer)
  }
}

async function resolve<T>(answer: Answer<T>): Promise<T> {
  if (answer instanceof Error) throw answer
  if (typeof answer === 'function') return (answer as () => T | Promise<T>)()
  return answer
}
