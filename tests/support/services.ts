import net from 'node:net'

/**
 * The PostgreSQL and Redis servers the project's machines and CI run on 127.0.0.1. A test that
 * needs one fails with how to start it, unless TOLLGATE_SKIP_SERVICES=1 says to skip such suites.
 */
export const postgresUrl =
  process.env.TOLLGATE_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
export const redisUrl = process.env.TOLLGATE_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379'

const howToStart = {
  postgres: 'pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start',
  redis: 'redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no',
} as const

export const skipServices = process.env.TOLLGATE_SKIP_SERVICES === '1'

function reachable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port })
    socket.setTimeout(1_000)
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
    socket.once('timeout', () => {
      socket.destroy()
      resolve(false)
    })
  })
}

/** Throws with instructions when the service is down; returns false only when skipping is asked for. */
export async function requireService(service: 'postgres' | 'redis'): Promise<boolean> {
  const port = Number(new URL(service === 'postgres' ? postgresUrl : redisUrl).port)
  if (await reachable(port || (service === 'postgres' ? 5432 : 6379))) return true
  if (skipServices) {
    process.stderr.write(
      `TOLLGATE_SKIP_SERVICES=1: skipping the ${service} suite (${service} is not running)\n`,
    )
    return false
  }
  throw new Error(
    `${service} is not running on 127.0.0.1. Start it with:\n  ${howToStart[service]}\n` +
      'or set TOLLGATE_SKIP_SERVICES=1 to skip the suites that need it.',
  )
}

/** A schema name unique to this run, so parallel runs and reruns never share tables. */
export function uniqueSchema(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`
}
