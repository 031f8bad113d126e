import { generateKeyPairSync } from 'node:crypto'
import { mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { getBase58Decoder } from '@solana/kit'
import type { ChainNetworkSetup } from '@tollgate/core'
import type { EvmNetworkSetup } from '@tollgate/evm'
import { openLedger, SqlApiKeyStore, SqlBlocklist, type SqlLedger } from '@tollgate/ledger'
import type { SvmNetworkSetup } from '@tollgate/svm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadFacilitatorConfig, resolveNetworks } from './facilitatorConfig.ts'
import { lockLedgerDir, resolveOperator } from './operatorConfig.ts'

/** The resolved networks of one chain, as its package's setup type. */
function evmOf(networks: readonly ChainNetworkSetup[]): EvmNetworkSetup[] {
  return networks.filter((setup) => setup.network.startsWith('eip155:')) as EvmNetworkSetup[]
}
function svmOf(networks: readonly ChainNetworkSetup[]): SvmNetworkSetup[] {
  return networks.filter((setup) => setup.network.startsWith('solana:')) as SvmNetworkSetup[]
}

const configDir = resolve(import.meta.dirname, '../../../config')
const key = `0x${'ab'.repeat(32)}`

describe('the example facilitator configs', () => {
  it('Base Sepolia reads its RPC URL and key from the environment', async () => {
    const config = await loadFacilitatorConfig(resolve(configDir, 'facilitator.base-sepolia.json'))
    const networks = await resolveNetworks(config, {
      BASE_SEPOLIA_RPC_URL: 'https://sepolia.base.org',
      FACILITATOR_PRIVATE_KEY: key,
    })
    expect(svmOf(networks)).toEqual([])
    expect(evmOf(networks)).toEqual([
      {
        network: 'eip155:84532',
        rpcUrl: 'https://sepolia.base.org',
        signerKeys: [key],
        assets: [
          {
            address: '0x036CbD53842c5426634e7929541eC2318f3dCF7e',
            name: 'USDC',
            version: '2',
            decimals: 6,
            symbol: 'USDC',
          },
        ],
        multicall3: '0xcA11bde05977b3631167028862bE2a173976CA11',
      },
    ])
  })

  it('Base mainnet wants an encrypted keystore and says which variable is missing', async () => {
    const config = await loadFacilitatorConfig(resolve(configDir, 'facilitator.base.json'))
    await expect(
      resolveNetworks(config, { BASE_RPC_URL: 'https://mainnet.base.org' }),
    ).rejects.toThrow('environment variable FACILITATOR_KEYSTORE is not set')
  })

  it.each([
    ['kite-testnet', 'KITE_TESTNET', 2368],
    ['kite', 'KITE', 2366],
    ['peaq', 'PEAQ', 3338],
  ])('%s asks for every fact it does not hold, and reads them', async (name, prefix, chainId) => {
    const config = await loadFacilitatorConfig(resolve(configDir, `facilitator.${name}.json`))
    const env: Record<string, string> = {
      [`${prefix}_RPC_URL`]: 'https://rpc.example',
      FACILITATOR_PRIVATE_KEY: key,
      [`${prefix}_TOKEN_ADDRESS`]: `0x${'12'.repeat(20)}`,
      [`${prefix}_TOKEN_EIP712_NAME`]: 'Bridged USDC',
      [`${prefix}_TOKEN_EIP712_VERSION`]: '2',
      [`${prefix}_TOKEN_DECIMALS`]: '6',
      [`${prefix}_MULTICALL3_ADDRESS`]: `0x${'34'.repeat(20)}`,
    }
    expect(evmOf(await resolveNetworks(config, env))).toEqual([
      {
        network: `eip155:${chainId}`,
        rpcUrl: 'https://rpc.example',
        signerKeys: [key],
        assets: [
          { address: `0x${'12'.repeat(20)}`, name: 'Bridged USDC', version: '2', decimals: 6 },
        ],
        multicall3: `0x${'34'.repeat(20)}`,
      },
    ])
    for (const missing of Object.keys(env)) {
      const { [missing]: _left, ...rest } = env
      await expect(resolveNetworks(config, rest)).rejects.toThrow(
        `environment variable ${missing} is not set`,
      )
    }
    await expect(
      resolveNetworks(config, { ...env, [`${prefix}_TOKEN_ADDRESS`]: 'usdc' }),
    ).rejects.toThrow(
      `eip155:${chainId} asset 1 address (from $${prefix}_TOKEN_ADDRESS) must be a 0x address of 20 bytes`,
    )
    await expect(
      resolveNetworks(config, { ...env, [`${prefix}_TOKEN_DECIMALS`]: 'six' }),
    ).rejects.toThrow(
      `eip155:${chainId} asset 1 decimals (from $${prefix}_TOKEN_DECIMALS) must be a whole number from 0 to 36`,
    )
  })

  it('rejects a malformed key without echoing it', async () => {
    const config = await loadFacilitatorConfig(resolve(configDir, 'facilitator.base-sepolia.json'))
    const secretish = 'deadbeef-not-a-key'
    const attempt = resolveNetworks(config, {
      BASE_SEPOLIA_RPC_URL: 'https://x',
      FACILITATOR_PRIVATE_KEY: secretish,
    })
    await expect(attempt).rejects.toThrow(
      'eip155:84532 signer 1 (from $FACILITATOR_PRIVATE_KEY) is not a 32-byte hex private key',
    )
    await expect(attempt).rejects.not.toThrow(secretish)
  })
})

describe('finality settings', () => {
  async function load(entry: Record<string, unknown>) {
    const dir = await mkdtemp(join(tmpdir(), 'tollgate-finality-'))
    const path = join(dir, 'facilitator.json')
    const network = { network: 'eip155:8453', rpcUrl: 'https://x', signers: [key], ...entry }
    await writeFile(path, JSON.stringify({ networks: [network] }))
    return path
  }

  it('passes a confirmation depth and reorg window through, and leaves them out when absent', async () => {
    const set = await loadFacilitatorConfig(
      await load({ confirmationDepth: 3, reorgWindowBlocks: 40 }),
    )
    const [configured] = evmOf(await resolveNetworks(set, {}))
    expect(configured).toMatchObject({ confirmationDepth: 3, reorgWindowBlocks: 40 })
    const unset = await loadFacilitatorConfig(await load({}))
    const [defaulted] = evmOf(await resolveNetworks(unset, {}))
    expect(defaulted).not.toHaveProperty('confirmationDepth')
    expect(defaulted).not.toHaveProperty('reorgWindowBlocks')
  })

  it('refuses a negative or fractional depth', async () => {
    await expect(loadFacilitatorConfig(await load({ confirmationDepth: -1 }))).rejects.toThrow(
      'networks.0.confirmationDepth',
    )
    await expect(loadFacilitatorConfig(await load({ reorgWindowBlocks: 1.5 }))).rejects.toThrow(
      'networks.0.reorgWindowBlocks',
    )
  })
})

/** A fresh Solana key: base58 of its 64 bytes (secret then public half), and its address. */
function solanaKey(): { secretKey: string; address: string } {
  const jwk = generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' })
  const secret = Buffer.from(String(jwk.d), 'base64url')
  const publicKey = Buffer.from(String(jwk.x), 'base64url')
  const base58 = getBase58Decoder()
  return {
    secretKey: base58.decode(Buffer.concat([secret, publicKey])),
    address: base58.decode(publicKey),
  }
}

describe('Solana networks', () => {
  const devnet = 'solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1'

  it('Solana devnet reads its RPC URL and fee payer key from the environment', async () => {
    const config = await loadFacilitatorConfig(resolve(configDir, 'facilitator.solana-devnet.json'))
    const feePayer = solanaKey()
    const networks = await resolveNetworks(config, {
      SOLANA_DEVNET_RPC_URL: 'https://api.devnet.solana.com',
      SOLANA_FEE_PAYER_KEY: feePayer.secretKey,
    })
    expect(evmOf(networks)).toEqual([])
    expect(svmOf(networks)).toHaveLength(1)
    const [solana] = svmOf(networks)
    expect(solana).toMatchObject({
      network: devnet,
      rpcUrl: 'https://api.devnet.solana.com',
      assets: [{ address: '4zMMC9srt5Ri5X14GAgXhaHii3GnPAEERYPJgZJDncDU', decimals: 6 }],
      maxComputeUnitPrice: 5_000_000n,
      maxComputeUnitLimit: 200_000,
    })
    expect(solana?.feePayers.map((signer) => signer.address)).toEqual([feePayer.address])
    // The signer holds the key, unreadable: nothing of the secret can reach a log line.
    expect(JSON.stringify(solana?.feePayers)).not.toContain(feePayer.secretKey)
  })

  it('serves EVM and Solana from one file, with the cluster USDC by default', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tollgate-config-'))
    const path = join(dir, 'both.json')
    await writeFile(
      path,
      JSON.stringify({
        networks: [
          { network: 'eip155:84532', rpcUrl: 'https://sepolia.base.org', signers: ['$EVM_KEY'] },
          { network: devnet, rpcUrl: '$SOLANA_RPC', feePayers: ['$SOLANA_KEY'] },
        ],
      }),
    )
    const networks = await resolveNetworks(await loadFacilitatorConfig(path), {
      EVM_KEY: key,
      SOLANA_RPC: 'http://127.0.0.1:8899',
      SOLANA_KEY: solanaKey().secretKey,
    })
    expect(evmOf(networks).map((setup) => setup.network)).toEqual(['eip155:84532'])
    expect(svmOf(networks)[0]).toMatchObject({
      network: devnet,
      rpcUrl: 'http://127.0.0.1:8899',
      assets: [{ address: '4zMMC9srt5Ri5X14GAgXhaHii3GnPAEERYPJgZJDncDU', symbol: 'USDC' }],
      maxComputeUnitPrice: undefined,
    })
  })

  it('rejects a malformed fee payer key without echoing it, and names a missing variable', async () => {
    const config = await loadFacilitatorConfig(resolve(configDir, 'facilitator.solana-devnet.json'))
    const env = { SOLANA_DEVNET_RPC_URL: 'https://x' }
    const secretish = solanaKey().secretKey.slice(0, 60)
    const attempt = resolveNetworks(config, { ...env, SOLANA_FEE_PAYER_KEY: secretish })
    await expect(attempt).rejects.toThrow(
      `${devnet} fee payer 1 (from $SOLANA_FEE_PAYER_KEY) is not a base58 64-byte Solana secret key`,
    )
    await expect(attempt).rejects.not.toThrow(secretish)
    await expect(resolveNetworks(config, env)).rejects.toThrow(
      'environment variable SOLANA_FEE_PAYER_KEY is not set',
    )
  })

  it('explains a Solana entry with EVM settings or caps out of range', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tollgate-config-'))
    const path = join(dir, 'wrong.json')
    await writeFile(
      path,
      JSON.stringify({
        networks: [
          { network: devnet, rpcUrl: 'http://x', signers: ['$K'] },
          { network: devnet, rpcUrl: 'http://x', feePayers: ['$K'], maxComputeUnitLimit: 2e6 },
          { network: 'solana:devnet', rpcUrl: 'http://x', feePayers: ['$K'] },
        ],
      }),
    )
    const failure = loadFacilitatorConfig(path)
    await expect(failure).rejects.toThrow('networks.0: Unrecognized key: "signers"')
    await expect(failure).rejects.toThrow('networks.0.feePayers:')
    await expect(failure).rejects.toThrow('networks.1.maxComputeUnitLimit:')
    await expect(failure).rejects.toThrow('networks.2.network: must be solana:<genesis hash>')
  })
})

describe('the operator section', () => {
  let ledger: SqlLedger
  const logger = { info() {}, warn() {}, error() {} }
  const metricsToken = 'metrics-token-0123456789abcdef'
  const adminToken = 'admin-token-0123456789abcdef'
  beforeAll(async () => {
    ledger = await openLedger()
  })
  afterAll(() => ledger?.close())

  const operatorOf = async (file: string) => {
    const config = await loadFacilitatorConfig(resolve(configDir, file))
    return { config, operator: config.operator }
  }

  it('Base mainnet requires keys from the database and reads its tokens from the environment', async () => {
    const { config, operator } = await operatorOf('facilitator.base.json')
    const { app, summary } = await resolveOperator(operator, {
      env: { FACILITATOR_METRICS_TOKEN: metricsToken, FACILITATOR_ADMIN_TOKEN: adminToken },
      ledger,
      host: config.host,
      logger,
    })
    expect(app.apiKeys?.required).toBe(true)
    expect(app.apiKeys?.store).toBeInstanceOf(SqlApiKeyStore)
    expect(app.blocklist).toBeInstanceOf(SqlBlocklist)
    expect(app.metrics).toEqual({ token: metricsToken })
    expect(app.ledger).toEqual({ ledger, adminToken })
    expect(app.trustProxy).toBe(1)
    expect(app.rateLimits).toEqual({
      verify: {
        ip: { points: 50, durationSeconds: 1 },
        key: { points: 200, durationSeconds: 1 },
      },
      settle: {
        ip: { points: 20, durationSeconds: 1 },
        key: { points: 100, durationSeconds: 1 },
      },
      keyPrefix: 'tollgate:base:rl',
    })
    expect(JSON.stringify(summary)).not.toContain(adminToken)
    await expect(
      resolveOperator(operator, { env: {}, ledger, host: config.host, logger }),
    ).rejects.toThrow('environment variable FACILITATOR_METRICS_TOKEN is not set')
  })

  it('Base Sepolia takes keys optionally and serves the ledger API on loopback only', async () => {
    const { config, operator } = await operatorOf('facilitator.base-sepolia.json')
    const local = await resolveOperator(operator, { env: {}, ledger, host: config.host, logger })
    expect(local.app.apiKeys?.required).toBe(false)
    expect(local.app.ledger).toEqual({ ledger, adminToken: undefined })
    expect(local.app.metrics).toBeUndefined()
    const exposed = await resolveOperator(operator, { env: {}, ledger, host: '0.0.0.0', logger })
    expect(exposed.app.ledger).toBeUndefined()
    expect(exposed.summary.ledgerApi).toContain('set operator.adminToken')
  })

  it('shares rate limits through Redis: --redis-url over REDIS_URL over the config', async () => {
    const operator = {
      rateLimits: { verify: { ip: { points: 5, durationSeconds: 1 } } },
      redisUrl: '$CONFIGURED_REDIS',
    }
    const context = { ledger, host: '127.0.0.1', logger }
    const env = { CONFIGURED_REDIS: 'redis://config:6379' }
    const fromConfig = await resolveOperator(operator, { ...context, env })
    expect(fromConfig.app.rateLimits?.redis).toBe('redis://config:6379')
    const fromEnv = await resolveOperator(operator, {
      ...context,
      env: { ...env, REDIS_URL: 'redis://env:6379' },
    })
    expect(fromEnv.app.rateLimits?.redis).toBe('redis://env:6379')
    const fromFlag = await resolveOperator(operator, {
      ...context,
      env: { ...env, REDIS_URL: 'redis://env:6379' },
      redisUrl: 'redis://flag:6379',
    })
    expect(fromFlag.app.rateLimits?.redis).toBe('redis://flag:6379')
  })

  it('reads key hashes and a blocklist from files', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tollgate-operator-'))
    const keyHash = 'ab'.repeat(32)
    await writeFile(
      join(dir, 'keys.json'),
      JSON.stringify([{ keyHash, merchant: 'acme', networks: ['eip155:8453'] }]),
    )
    await writeFile(join(dir, 'blocked.txt'), '0xBAD0000000000000000000000000000000000001\n')
    const { app } = await resolveOperator(
      {
        apiKeys: { required: true, source: join(dir, 'keys.json') },
        blocklist: join(dir, 'blocked.txt'),
      },
      { env: {}, ledger, host: '127.0.0.1', logger },
    )
    expect(await app.apiKeys?.store.findByHash(keyHash)).toEqual({
      merchant: 'acme',
      networks: ['eip155:8453'],
    })
    expect(await app.blocklist?.isBlocked('0xbad0000000000000000000000000000000000001')).toBe(true)
    await writeFile(
      join(dir, 'clear.json'),
      JSON.stringify([{ keyHash: 'tg_clear', merchant: 'm' }]),
    )
    await expect(
      resolveOperator(
        { apiKeys: { required: true, source: join(dir, 'clear.json') } },
        { env: {}, ledger, host: '127.0.0.1', logger },
      ),
    ).rejects.toThrow('is not a list of API keys: 0.keyHash: must be a SHA-256 in lowercase hex')
  })

  it('refuses a short token and a misspelt setting', async () => {
    await expect(
      resolveOperator(
        { adminToken: '$SHORT' },
        { env: { SHORT: 'secret' }, ledger, host: '127.0.0.1', logger },
      ),
    ).rejects.toThrow('operator.adminToken is shorter than 16 characters')
    const dir = await mkdtemp(join(tmpdir(), 'tollgate-operator-'))
    const path = join(dir, 'typo.json')
    await writeFile(
      path,
      JSON.stringify({
        operator: { apikeys: { required: true, source: 'database' } },
        networks: [{ network: 'eip155:8453', rpcUrl: 'http://x', signers: ['$K'] }],
      }),
    )
    await expect(loadFacilitatorConfig(path)).rejects.toThrow(
      'operator: Unrecognized key: "apikeys"',
    )
  })
})

describe('the embedded ledger lock', () => {
  it('holds a folder for one process and takes over a lock its holder left behind', async () => {
    const dir = join(await mkdtemp(join(tmpdir(), 'tollgate-lock-')), 'ledger')
    const release = await lockLedgerDir(dir)
    await expect(lockLedgerDir(dir)).rejects.toThrow(
      `the embedded ledger ${dir} is in use by process ${process.pid}`,
    )
    await release()
    // A pid far above any pid_max: the process that wrote it is gone.
    await writeFile(`${dir}.lock`, '999999999\n')
    const again = await lockLedgerDir(dir)
    expect((await readFile(`${dir}.lock`, 'utf8')).trim()).toBe(String(process.pid))
    await again()
  })
})
