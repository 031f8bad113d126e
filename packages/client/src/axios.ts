import { paymentHeaders } from '@tollgate/core'
import type {
  AxiosError,
  AxiosInstance,
  AxiosResponse,
  InternalAxiosRequestConfig,
  RawAxiosRequestHeaders,
} from 'axios'
import {
  attemptsAllowed,
  finish,
  type Judgement,
  judgeResponse,
  nextDelayMs,
  outcomeOf,
  type PayerOptions,
  preparePayment,
} from './paymentFlow.ts'
import { readPaymentRequiredParts } from './paymentRequired.ts'

/** Marks a request the interceptor already paid, so its answers pass through untouched. */
const paidMark = Symbol('tollgate paid')
type MarkedConfig = InternalAxiosRequestConfig & { [paidMark]?: true }

/**
 * Adds x402 paying to an axios instance, with the same rules as `wrapFetch`: a 402 is paid once
 * within the policy and the spending guard, and a payment whose outcome is unknown is presented
 * again, the same signed bytes, instead of being signed anew. Returns the instance.
 */
export function withPayments(instance: AxiosInstance, options: PayerOptions): AxiosInstance {
  instance.interceptors.response.use(undefined, async (error: AxiosError) => {
    const config = error.config as MarkedConfig | undefined
    const response = error.response
    if (!config || !response || response.status !== 402 || config[paidMark]) throw error
    const headers = config.headers
    if (headers.has(paymentHeaders.signature) || headers.has(paymentHeaders.v1Payment)) throw error
    const url = instance.getUri(config)
    const required = readPaymentRequiredParts(
      (name) => headerOf(response, name),
      response.data,
      url,
    )
    const prepared = await preparePayment(required, url, options)
    const paidConfig: MarkedConfig = {
      ...config,
      headers: config.headers.concat({
        ...prepared.headers,
        [prepared.header.name]: prepared.header.value,
      } satisfies RawAxiosRequestHeaders),
      [paidMark]: true,
    }
    const attempts = attemptsAllowed(options)
    for (let attempt = 1; ; attempt++) {
      let answer: AxiosResponse | undefined
      let failure: unknown
      try {
        answer = await instance.request(paidConfig)
      } catch (caught) {
        failure = caught
        answer = (caught as AxiosError).response
      }
      const judgement: Judgement = answer
        ? judgeResponse(answer.status, (name) => headerOf(answer, name))
        : { kind: 'unknown', reason: `no answer: ${(failure as Error).message}` }
      if (judgement.kind !== 'unknown' || attempt >= attempts) {
        await finish(prepared, outcomeOf(judgement, prepared.payment, attempt), options)
        if (failure) throw failure
        return answer
      }
      await new Promise((resolve) =>
        setTimeout(
          resolve,
          nextDelayMs(
            attempt,
            options,
            'retryAfterMs' in judgement ? judgement.retryAfterMs : undefined,
          ),
        ),
      )
    }
  })
  return instance
}

function headerOf(response: AxiosResponse, name: string): string | null {
  const value = response.headers[name.toLowerCase()]
  if (value === undefined || value === null) return null
  return Array.isArray(value) ? value.join(', ') : String(value)
}
