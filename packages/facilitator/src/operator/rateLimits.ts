/**
 * @module
 * Rate limits per client address and per API key, for `/verify` and `/settle` separately, with
 * rate-limiter-flexible. Limits are counted in process memory, or in Redis when one is given so
 * that every facilitator process shares them.
 *
 * Redis down: each Redis limiter has an in-memory insurance limiter with the same points, so
 * limits keep applying per process (N processes allow up to N times the limit) and a warning
 * is logged at most once a minute. A request never waits on a dead Redis: the client neither
 * queues commands while disconnected nor waits longer than `redisTimeoutMs` for a reply.
 */
import { Redis } from 'ioredis'
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible'
import type { Logger } from '../logger.ts'

export interface RateLimit {
  points: number
  durationSeconds: number
}

export type RateLimitGroup = 'verify' | 'settle'
export type RateLimitDimension = 'ip' | 'key'

export interface RateLimitOptions {
  /** Absent limits do not apply: `{ verify: { ip: … } }` limits only /verify per address. */
  verify?: { ip?: RateLimit; key?: RateLimit }
  settle?: { ip?: RateLimit; key?: RateLimit }
  /**
   * An ioredis client (yours to close) or a Redis URL (the app's: `app.close()` closes it).
   * Absent: limits are per process.
   */
  redis?: Redis | string
  /** Prefix of the Redis keys, e.g. one per environment. @default 'tollgate:rl' */
  keyPrefix?: string
  /** Longest wait for a Redis reply before the in-memory limiter answers. @default 250 */
  redisTimeoutMs?: number
}

export type RateLimitDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number }

export interface RateLimiters {
  consume(
    group: RateLimitGroup,
    dimension: RateLimitDimension,
    key: string,
  ): Promise<RateLimitDecision>
  close(): Promise<void>
}

const warningIntervalMs = 60_000

/** Builds the limiters once; a limit with points or duration below 1 is a configuration bug. */
export function createRateLimiters(options: RateLimitOptions, logger: Logger): RateLimiters {
  const prefix = options.keyPrefix ?? 'tollgate:rl'
  const owned = typeof options.redis === 'string'
  const redis =
    typeof options.redis === 'string'
      ? createRedisClient(options.redis, options.redisTimeoutMs ?? 250)
      : options.redis
  const warn = throttledWarning(logger)
  if (redis) redis.on('error', (error: Error) => warn('redis error', error.message))

  const limiters = new Map<string, RateLimiterMemory | RateLimiterRedis>()
  for (const group of ['verify', 'settle'] as const) {
    for (const dimension of ['ip', 'key'] as const) {
      const limit = options[group]?.[dimension]
      if (!limit) continue
      if (!(limit.points >= 1 && limit.durationSeconds >= 1)) {
        throw new RangeError(
          `rate limit ${group}.${dimension} needs points and durationSeconds ≥ 1`,
        )
      }
      const base = {
        keyPrefix: `${prefix}:${group}:${dimension}`,
        points: limit.points,
        duration: limit.durationSeconds,
      }
      limiters.set(
        `${group}:${dimension}`,
        redis
          ? new RateLimiterRedis({
              ...base,
              storeClient: redis,
              rejectIfRedisNotReady: true,
              insuranceLimiter: new InsuranceLimiter(base, () =>
                warn('redis unavailable: rate limits fall back to this process', undefined),
              ),
            })
          : new RateLimiterMemory(base),
      )
    }
  }

  return {
    async consume(group, dimension, key) {
      const limiter = limiters.get(`${group}:${dimension}`)
      if (!limiter) return { allowed: true }
      try {
        await limiter.consume(key)
        return { allowed: true }
      } catch (rejection) {
        if (rejection instanceof RateLimiterRes) {
          return {
            allowed: false,
            retryAfterSeconds: Math.max(1, Math.ceil(rejection.msBeforeNext / 1000)),
          }
        }
        // Neither Redis nor the insurance answered: a limiter fault must not stop payments.
        warn('rate limiter failed: request allowed', String(rejection))
        return { allowed: true }
      }
    },
    async close() {
      if (owned && redis) redis.disconnect()
    },
  }
}

/** Settings for a client that fails fast instead of queueing while Redis is away. */
function createRedisClient(url: string, timeoutMs: number): Redis {
  return new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: timeoutMs,
    connectTimeout: 2_000,
    // Keep reconnecting, at most every 2 s, so limits are shared again once Redis is back.
    retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
  })
}

/** An in-memory limiter that logs when rate-limiter-flexible falls back to it. */
class InsuranceLimiter extends RateLimiterMemory {
  readonly #onUse: () => void

  constructor(options: { keyPrefix: string; points: number; duration: number }, onUse: () => void) {
    super(options)
    this.#onUse = onUse
  }

  override consume(key: string | number, points?: number, options?: Record<string, unknown>) {
    this.#onUse()
    return super.consume(key, points, options)
  }
}

function throttledWarning(logger: Logger) {
  const lastByMessage = new Map<string, number>()
  return (message: string, detail: string | undefined) => {
    const now = Date.now()
    if (now - (lastByMessage.get(message) ?? -Infinity) < warningIntervalMs) return
    lastByMessage.set(message, now)
    logger.warn(detail ? { err: detail } : {}, message)
  }
}
