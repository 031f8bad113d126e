import autocannon from 'autocannon'
import { round } from './load.ts'
import type { Service } from './service.ts'

/** One connection's requests, sent in order, each after the previous one's answer. */
export type HeaderList = ReadonlyArray<{ name: string; value: string }>

/**
 * Drives `service` as hard as one lean load generator can: one keep-alive connection per list,
 * each sending its list in order (a channel's vouchers are sequential). autocannon writes
 * pre-built requests, so the server, not the client, is what runs out of CPU, and its CPU per
 * request is what the server itself costs. Every answer must be a 2xx.
 */
export async function saturate(service: Service, path: string, lists: readonly HeaderList[]) {
  const perConnection = lists[0]?.length ?? 0
  if (lists.some((list) => list.length !== perConnection))
    throw new Error('every connection needs the same number of requests')
  let next = 0
  const cpuBefore = service.cpuMs()
  const started = performance.now()
  const result = await autocannon({
    url: `${service.url}${path}`,
    connections: lists.length,
    amount: lists.length * perConnection,
    maxConnectionRequests: perConnection,
    setupClient: (client) => {
      const list = lists[next++]!
      client.setRequests(
        list.map((header) => ({ method: 'GET', path, headers: { [header.name]: header.value } })),
      )
    },
  })
  const elapsedMs = performance.now() - started
  const cpuMs = service.cpuMs() - cpuBefore
  const requests = result.requests.total
  if (result.non2xx > 0 || result.errors > 0 || requests !== lists.length * perConnection)
    throw new Error(
      `${service.url}${path}: ${requests} answers, ${result.non2xx} not 2xx, ${result.errors} errors`,
    )
  return {
    requests,
    connections: lists.length,
    perSecond: Math.round((requests / elapsedMs) * 1000),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    apiCpuMsPerRequest: round(cpuMs / requests, 4),
    perApiCpuSecond: Math.round((requests / cpuMs) * 1000),
  }
}
