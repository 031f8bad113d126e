/**
 * The schedule of one randomised fault run, drawn from one seed: waves of concurrent payments,
 * each with RPC fault rules on or off, kill -9 of the facilitator or the server and duplicate
 * settles at moments inside the wave, a reorganisation after it, and replays of paid requests.
 * The same seed gives the same schedule; what the processes do with it is timing, not the seed.
 */
import type { RpcFault, RpcFaultRule } from './rpcProxy.ts'

export type WaveEventKind = 'kill-facilitator' | 'kill-server' | 'duplicate-settle'

export interface WaveEvent {
  /** After the wave's first payment started. */
  atMs: number
  kind: WaveEventKind
}

export interface Wave {
  /** When each payment of the wave starts, after the wave's start. */
  startsMs: number[]
  /** RPC fault rules while the wave runs; empty: faults off. */
  rules: RpcFaultRule[]
  events: WaveEvent[]
  /** Blocks reorganised away once the wave's payments ended; 0 for none. */
  reorgDepth: number
  /** Chance that a paid request is presented again after its 200. */
  replayChance: number
}

export interface FaultRunSchedule {
  seed: number
  waves: Wave[]
}

/**
 * The RPC methods a settling facilitator calls, the ones worth losing or doubling. A send is a
 * send, with or without its receipt in the answer (EIP-7966).
 */
const faultedMethods = [
  ['eth_sendRawTransaction', 'eth_sendRawTransactionSync'],
  'eth_getTransactionReceipt',
  'eth_call',
  'eth_estimateGas',
  'eth_getTransactionCount',
  'eth_blockNumber',
  'eth_getBlockByNumber',
] as const

/** mulberry32: small, fast, and the same numbers for the same seed everywhere. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let mixed = state
    mixed = Math.imul(mixed ^ (mixed >>> 15), mixed | 1)
    mixed ^= mixed + Math.imul(mixed ^ (mixed >>> 7), mixed | 61)
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 2 ** 32
  }
}

function drawFault(random: () => number, integer: (min: number, max: number) => number): RpcFault {
  const choice = integer(0, 5)
  if (choice === 0) return { kind: 'drop-response', mode: 'destroy' }
  if (choice === 1) return { kind: 'drop-request' }
  if (choice === 2) return { kind: 'delay', delayMs: integer(100, 1_200) }
  if (choice === 3) return { kind: 'duplicate' }
  if (choice === 4) return { kind: 'error', status: random() < 0.5 ? 502 : 503 }
  return { kind: 'error', rpcError: { code: -32_000, message: 'injected by the fault run' } }
}

export function drawSchedule(
  seed: number,
  sizes: { waves: number; paymentsMin: number; paymentsMax: number; reorgs: boolean },
): FaultRunSchedule {
  const random = seededRandom(seed)
  const integer = (min: number, max: number) => min + Math.floor(random() * (max - min + 1))
  const waves: Wave[] = []
  // One kill of each process per run: a restart costs seconds on a small box, and one already
  // leaves the payments in flight at every step the kill happens to hit.
  const facilitatorKillWave = integer(0, sizes.waves - 1)
  const serverKillWave = integer(0, sizes.waves - 1)
  for (let index = 0; index < sizes.waves; index++) {
    const payments = integer(sizes.paymentsMin, sizes.paymentsMax)
    const startsMs = Array.from({ length: payments }, () => integer(0, 600))
    const rules: RpcFaultRule[] =
      random() < 0.75
        ? Array.from({ length: integer(1, 3) }, () => ({
            method: faultedMethods[integer(0, faultedMethods.length - 1)]!,
            fault: drawFault(random, integer),
            probability: 0.1 + random() * 0.25,
          }))
        : []
    const events: WaveEvent[] = []
    const facilitatorKillMs = integer(100, 1_500)
    const serverKillMs = integer(100, 1_500)
    if (index === facilitatorKillWave)
      events.push({ atMs: facilitatorKillMs, kind: 'kill-facilitator' })
    if (index === serverKillWave) events.push({ atMs: serverKillMs, kind: 'kill-server' })
    for (let count = integer(1, 2); count > 0; count--)
      events.push({ atMs: integer(200, 2_500), kind: 'duplicate-settle' })
    events.sort((a, b) => a.atMs - b.atMs)
    const reorgDepth = sizes.reorgs && random() < 0.6 ? integer(1, 2) : 0
    waves.push({ startsMs, rules, events, reorgDepth, replayChance: 0.3 })
  }
  return { seed, waves }
}
