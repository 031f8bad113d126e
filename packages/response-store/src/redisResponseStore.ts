import {
  decodePaymentUse,
  encodePaymentUse,
  type PaymentClaim,
  type PaymentUse,
  type ResponseStore,
} from '@tollgate/core'
import { Redis } from 'ioredis'

export interface RedisResponseStoreOptions {
  /** A connection to use (not closed by `close()`), or a `redis://` URL to connect to. */
  redis: Redis | string
  /** @default 'tollgate:payment-use:' */
  prefix?: string | undefined
}

/**
 * A value is the holder, a newline, then the record: scripts compare the holder without
 * decoding the record.
 */
const replaceScript = `
local current = redis.call('GET', KEYS[1])
if not current then return 0 end
if string.sub(current, 1, #ARGV[1] + 1) ~= ARGV[1] .. '\\n' then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return 1`

/** As `replaceScript`, and only for an in-flight record whose lease ran out by ARGV[4]. */
const takeOverScript = `
local current = redis.call('GET', KEYS[1])
if not current then return 0 end
if string.sub(current, 1, #ARGV[1] + 1) ~= ARGV[1] .. '\\n' then return 0 end
local record = cjson.decode(string.sub(current, #ARGV[1] + 2))
if record.state ~= 'in-flight' or type(record.leaseUntilMs) ~= 'number' then return 0 end
if record.leaseUntilMs > tonumber(ARGV[4]) then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return 1`

const releaseScript = `
local current = redis.call('GET', KEYS[1])
if current and string.sub(current, 1, #ARGV[1] + 1) == ARGV[1] .. '\\n' then
  redis.call('DEL', KEYS[1])
end
return 1`

/**
 * Payment records in Redis, one key each, expiring with the record (`PX`). A claim is
 * `SET NX`; replacing and releasing run as Lua scripts that check the holder, so each is atomic
 * for every instance on the same Redis.
 */
export class RedisResponseStore implements ResponseStore {
  readonly #redis: Redis
  readonly #owned: boolean
  readonly #prefix: string

  constructor(options: RedisResponseStoreOptions) {
    this.#owned = typeof options.redis === 'string'
    this.#redis =
      typeof options.redis === 'string'
        ? new Redis(options.redis, { maxRetriesPerRequest: 1 })
        : options.redis
    this.#prefix = options.prefix ?? 'tollgate:payment-use:'
  }

  async claim(key: string, use: PaymentUse): Promise<PaymentClaim> {
    for (;;) {
      const set = await this.#redis.set(
        this.#prefix + key,
        storedValue(use),
        'PX',
        ttlOf(use),
        'NX',
      )
      if (set === 'OK') return { claimed: true }
      const current = await this.get(key)
      // Expired or released in between: claim again.
      if (current) return { claimed: false, current }
    }
  }

  async get(key: string): Promise<PaymentUse | undefined> {
    const value = await this.#redis.get(this.#prefix + key)
    if (value === null) return undefined
    const use = decodePaymentUse(value.slice(value.indexOf('\n') + 1))
    return use.expiresAtMs > Date.now() ? use : undefined
  }

  async replace(key: string, holder: string, use: PaymentUse): Promise<boolean> {
    const replaced = await this.#redis.eval(
      replaceScript,
      1,
      this.#prefix + key,
      holder,
      storedValue(use),
      String(ttlOf(use)),
    )
    return replaced === 1
  }

  async takeOver(key: string, holder: string, use: PaymentUse): Promise<boolean> {
    const taken = await this.#redis.eval(
      takeOverScript,
      1,
      this.#prefix + key,
      holder,
      storedValue(use),
      String(ttlOf(use)),
      String(Date.now()),
    )
    return taken === 1
  }

  async release(key: string, holder: string): Promise<void> {
    await this.#redis.eval(releaseScript, 1, this.#prefix + key, holder)
  }

  async close(): Promise<void> {
    if (this.#owned) this.#redis.disconnect()
  }
}

function storedValue(use: PaymentUse): string {
  return `${use.holder}\n${encodePaymentUse(use)}`
}

function ttlOf(use: PaymentUse): number {
  return Math.max(1, Math.round(use.expiresAtMs - Date.now()))
}
