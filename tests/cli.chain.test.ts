/**
 * The `tollgate` command as a user runs it: a child process, its output and exit code.
 */
import { existsSync } from 'node:fs'
import { mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ANVIL_ACCOUNTS } from '@tollgate/devnet'
import type { DevStack } from 'tollgate'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { childPids, isAlive, runCli, startCli, waitFor } from './support/cli.ts'
import { splBalance } from './support/solana.ts'
import { startTestStack, tokenBalance } from './support/stack.ts'

let workdir: string

beforeAll(async () => {
  workdir = await mkdtemp(join(tmpdir(), 'tollgate-cli-'))
})

describe('tollgate dev', () => {
  it('writes the manifest, serves, and leaves no process behind after Ctrl-C', async () => {
    const manifestPath = join(workdir, 'dev.json')
    const dev = startCli([
      'dev',
      '--rpc-port',
      '0',
      '--facilitator-port',
      '0',
      '--api-port',
      '0',
      '--solana-port',
      '0',
      '--manifest',
      manifestPath,
    ])
    try {
      await waitFor(() => dev.output.stderr.includes('Press Ctrl-C'), 'the dev stack')
    } catch (error) {
      throw new Error(`${(error as Error).message}\n${dev.output.stderr}`)
    }
    const manifest = JSON.parse(await readFile(manifestPath, 'utf8'))
    expect(Object.keys(manifest)).toEqual(
      expect.arrayContaining([
        'network',
        'chainId',
        'rpcUrl',
        'facilitatorUrl',
        'exampleApiUrl',
        'asset',
        'accounts',
        'routes',
      ]),
    )
    expect(manifest).toMatchObject({
      network: 'eip155:31337',
      chainId: 31337,
      asset: { name: 'USD Coin', version: '2', decimals: 6, symbol: 'USDC' },
      accounts: {
        payer: { address: ANVIL_ACCOUNTS[2].address, privateKey: ANVIL_ACCOUNTS[2].privateKey },
        merchant: { address: ANVIL_ACCOUNTS[3].address },
        facilitator: { address: ANVIL_ACCOUNTS[1].address },
      },
      routes: [{ method: 'GET', path: '/weather', price: '$0.001', amount: '1000' }],
    })
    expect(manifest.asset.address).toMatch(/^0x[0-9a-fA-F]{40}$/)
    // The embedded Solana devnet answers as Solana devnet; its fee payer's key stays inside.
    expect(manifest.solana).toEqual({
      network: 'solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1',
      rpcUrl: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
      mint: expect.stringMatching(/^[1-9A-HJ-NP-Za-km-z]{32,44}$/),
      decimals: 6,
      payer: {
        address: expect.stringMatching(/^[1-9A-HJ-NP-Za-km-z]{32,44}$/),
        secretKey: expect.stringMatching(/^[1-9A-HJ-NP-Za-km-z]{86,88}$/),
      },
      feePayer: { address: expect.stringMatching(/^[1-9A-HJ-NP-Za-km-z]{32,44}$/) },
    })
    expect(dev.output.stderr).toContain(`Solana RPC   ${manifest.solana.rpcUrl}`)
    expect(dev.output.stderr).toContain(`Solana mint  ${manifest.solana.mint}`)
    const supported = await (await fetch(`${manifest.facilitatorUrl}/supported`)).json()
    expect(supported.kinds).toContainEqual({
      x402Version: 2,
      scheme: 'exact',
      network: manifest.solana.network,
      extra: { feePayer: manifest.solana.feePayer.address },
    })
    expect((await fetch(`${manifest.exampleApiUrl}/health`)).status).toBe(200)
    expect((await fetch(`${manifest.exampleApiUrl}/weather`)).status).toBe(402)
    expect((await fetch(`${manifest.facilitatorUrl}/healthz`)).status).toBe(200)

    const children = childPids(dev.child)
    expect(children.length).toBeGreaterThan(0)
    dev.child.kill('SIGINT')
    expect(await dev.exited).toBe(0)
    // Orphans are reaped by init a moment after their parent exits.
    await waitFor(
      () => children.every((pid) => !isAlive(pid)),
      `children ${children.join(', ')} to exit`,
      3_000,
    )
    await expect(fetch(`${manifest.rpcUrl}`, { method: 'POST' })).rejects.toThrow()
    await expect(fetch(manifest.solana.rpcUrl, { method: 'POST' })).rejects.toThrow()
    await expect(fetch(`${manifest.exampleApiUrl}/health`)).rejects.toThrow()
  })

  it('says what to do when a port is taken', async () => {
    const stack = await startTestStack()
    try {
      const port = new URL(stack.manifest.facilitatorUrl).port
      const result = await runCli([
        'dev',
        '--rpc-port',
        '0',
        '--api-port',
        '0',
        '--solana-port',
        '0',
        '--facilitator-port',
        port,
        '--manifest',
        join(workdir, 'x.json'),
      ])
      expect(result.code).toBe(1)
      expect(result.stderr).toContain(`port ${port} is already in use`)
    } finally {
      await stack.stop()
    }
  })
})

describe('tollgate pay', () => {
  let stack: DevStack
  let manifestPath: string

  beforeAll(async () => {
    stack = await startTestStack()
    manifestPath = join(workdir, 'pay.json')
    await writeFile(manifestPath, JSON.stringify(stack.manifest))
  })
  afterAll(() => stack?.stop())

  it('pays, prints the body on stdout and the receipt on stderr', async () => {
    const before = await tokenBalance(stack.manifest, stack.manifest.accounts.payer.address)
    const result = await runCli(
      ['pay', `${stack.manifest.exampleApiUrl}/weather?city=Quito`, '--manifest', manifestPath],
      {
        env: { TOLLGATE_PRIVATE_KEY: stack.manifest.accounts.payer.privateKey },
      },
    )
    expect(result.code).toBe(0)
    expect(JSON.parse(result.stdout)).toMatchObject({ city: 'Quito' })
    expect(result.stderr).toMatch(/paid 0\.001 USDC on eip155:31337 · tx 0x[0-9a-f]{64}/)
    expect(result.stderr).not.toContain(stack.manifest.accounts.payer.privateKey.slice(2))
    expect(
      before - (await tokenBalance(stack.manifest, stack.manifest.accounts.payer.address)),
    ).toBe(1000n)
  })

  it('refuses a price above --max before signing anything', async () => {
    const before = await tokenBalance(stack.manifest, stack.manifest.accounts.payer.address)
    const result = await runCli(
      [
        'pay',
        `${stack.manifest.exampleApiUrl}/weather`,
        '--max',
        '0.0005',
        '--manifest',
        manifestPath,
      ],
      {
        env: { TOLLGATE_PRIVATE_KEY: stack.manifest.accounts.payer.privateKey },
      },
    )
    expect(result.code).toBe(1)
    expect(result.stderr).toContain('price 0.001 USDC exceeds the per-payment cap of $0.0005')
    expect(result.stderr).toContain('raise it with --max-payment')
    expect(await tokenBalance(stack.manifest, stack.manifest.accounts.payer.address)).toBe(before)
  })

  it('pays on Solana when the EVM wallet holds no USDC and a Solana key is given', async () => {
    const { solana } = stack.manifest
    const before = await splBalance(stack, solana.payer.address)
    const emptyEvmWallet = ANVIL_ACCOUNTS[8].privateKey
    const result = await runCli(
      ['pay', `${stack.manifest.exampleApiUrl}/weather?city=Lima`, '--manifest', manifestPath],
      {
        env: {
          TOLLGATE_PRIVATE_KEY: emptyEvmWallet,
          TOLLGATE_SOLANA_SECRET_KEY: solana.payer.secretKey,
        },
      },
    )
    expect(result.code).toBe(0)
    expect(JSON.parse(result.stdout)).toMatchObject({ city: 'Lima' })
    expect(result.stderr).toMatch(
      new RegExp(`paid 0\\.001 USDC on ${solana.network} · tx [1-9A-HJ-NP-Za-km-z]{64,88}`),
    )
    expect(result.stderr).not.toContain(solana.payer.secretKey)
    expect(before - (await splBalance(stack, solana.payer.address))).toBe(1000n)
  })

  it('never pays with the manifest Solana key on its own, and says what the wallet holds', async () => {
    const { solana } = stack.manifest
    const before = await splBalance(stack, solana.payer.address)
    const result = await runCli(
      ['pay', `${stack.manifest.exampleApiUrl}/weather`, '--manifest', manifestPath],
      { env: { TOLLGATE_PRIVATE_KEY: ANVIL_ACCOUNTS[8].privateKey } },
    )
    expect(result.code).toBe(1)
    expect(result.stderr).toContain(
      `exact on ${stack.manifest.network}: the wallet holds 0 USDC, the price is 0.001 USDC`,
    )
    expect(result.stderr).toContain(`exact on ${solana.network}: no signer for this scheme`)
    // The hints follow the causes: an empty wallet and a missing key, not a limit to raise.
    expect(result.stderr).toContain('`tollgate wallet fund`')
    expect(result.stderr).toContain('set TOLLGATE_SOLANA_SECRET_KEY')
    expect(result.stderr).not.toContain('--max-payment')
    expect(await splBalance(stack, solana.payer.address)).toBe(before)
  })

  it('explains how to provide a wallet', async () => {
    const result = await runCli(['pay', `${stack.manifest.exampleApiUrl}/weather`], {
      // A home without ~/.tollgate/keystore.json, the last place a wallet is looked for.
      env: { TOLLGATE_PRIVATE_KEY: '', HOME: await mkdtemp(join(tmpdir(), 'tollgate-home-')) },
    })
    expect(result.code).toBe(1)
    expect(result.stderr).toContain('no wallet: set TOLLGATE_PRIVATE_KEY, pass --keystore <file>')
  })
})

describe('tollgate facilitator --config', () => {
  let stack: DevStack
  afterAll(() => stack?.stop())

  it('serves the configured networks with keys from the environment, never printing them', async () => {
    stack = await startTestStack()
    const configPath = join(workdir, 'facilitator.json')
    await writeFile(
      configPath,
      JSON.stringify({
        port: 0,
        ledgerDir: join(workdir, 'facilitator-ledger'),
        networks: [
          {
            network: stack.manifest.network,
            rpcUrl: '$DEVNET_RPC_URL',
            // biome-ignore lint/suspicious/noTemplateCurlyInString: the config syntax for an env reference
            signers: ['${FACILITATOR_KEY}'],
            assets: [stack.manifest.asset],
          },
          {
            network: stack.manifest.solana.network,
            rpcUrl: '$SOLANA_RPC_URL',
            feePayers: ['$SOLANA_FEE_PAYER_KEY'],
            assets: [{ address: stack.manifest.solana.mint, decimals: 6, symbol: 'USDC' }],
            maxComputeUnitLimit: 50_000,
          },
        ],
      }),
    )
    const key = ANVIL_ACCOUNTS[7].privateKey
    const { feePayer } = stack.solanaDevnet
    const running = startCli(['facilitator', '--config', configPath], {
      env: {
        DEVNET_RPC_URL: stack.manifest.rpcUrl,
        FACILITATOR_KEY: key,
        SOLANA_RPC_URL: stack.manifest.solana.rpcUrl,
        SOLANA_FEE_PAYER_KEY: feePayer.secretKey,
      },
    })
    try {
      await waitFor(
        () => running.output.stdout.includes('facilitator listening'),
        'the facilitator',
      )
      const listening = running.output.stdout
        .split('\n')
        .find((line) => line.includes('facilitator listening'))!
      const { url, chains } = JSON.parse(listening)
      // 5,000,000 µlamports × 50,000 units / 1e6 + 2 signatures × 5,000 lamports.
      expect(chains.solana.worstCaseFeeLamports).toEqual({
        [stack.manifest.solana.network]: '260000',
      })
      const supported = await (await fetch(`${url}/supported`)).json()
      expect(supported.signers).toEqual({
        'eip155:*': [ANVIL_ACCOUNTS[7].address],
        'solana:*': [feePayer.address],
      })
      expect(supported.kinds).toContainEqual({
        x402Version: 2,
        scheme: 'exact',
        network: stack.manifest.solana.network,
        extra: { feePayer: feePayer.address },
      })
      expect((await fetch(`${url}/readyz`)).status).toBe(200)
      // On a loopback host without operator.adminToken, the ledger API is open (local use).
      const ledger = await fetch(`${url}/ledger/payments`)
      expect(ledger.status).toBe(200)
      expect(await ledger.json()).toEqual({ payments: [] })
    } finally {
      running.child.kill('SIGTERM')
      expect(await running.exited).toBe(0)
    }
    expect(running.output.stdout + running.output.stderr).not.toContain(key.slice(2))
    expect(running.output.stdout + running.output.stderr).not.toContain(feePayer.secretKey)
  })

  it('asks for a config file', async () => {
    const result = await runCli(['facilitator'])
    expect(result.code).toBe(1)
    expect(result.stderr).toContain('a facilitator needs --config <file>')
  })

  it('names a missing environment variable', async () => {
    const configPath = join(workdir, 'missing.json')
    await writeFile(
      configPath,
      JSON.stringify({
        networks: [
          { network: 'eip155:84532', rpcUrl: 'http://127.0.0.1:1', signers: ['$NOT_SET_ANYWHERE'] },
        ],
      }),
    )
    const result = await runCli(['facilitator', '--config', configPath])
    expect(result.code).toBe(1)
    expect(result.stderr).toContain('environment variable NOT_SET_ANYWHERE is not set')
  })

  it('explains an invalid config file', async () => {
    const configPath = join(workdir, 'invalid.json')
    await writeFile(configPath, JSON.stringify({ networks: [{ network: 'base', rpcUrl: 1 }] }))
    const result = await runCli(['facilitator', '--config', configPath])
    expect(result.code).toBe(1)
    expect(result.stderr).toContain('is not a valid facilitator config')
    expect(result.stderr).toContain('networks.0.network')
    expect(existsSync(configPath)).toBe(true)
  })
})

describe('tollgate demo', () => {
  it('pays the example API once on EVM and once on Solana, printing both transactions', async () => {
    const result = await runCli(['demo'])
    expect(result.code, result.stderr).toBe(0)
    expect(result.stdout).toMatch(/paid on eip155:31337, settled in tx 0x[0-9a-f]{64}/)
    expect(result.stdout).toMatch(
      /paid on solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1, settled in Solana transaction [1-9A-HJ-NP-Za-km-z]{64,88}/,
    )
    expect(result.stdout).toContain('✓ 1 paid on EVM, 0.001 USDC moved on chain')
    expect(result.stdout).toContain('✓ 1 paid on Solana, 0.001 USDC moved on chain')
  })
})
