import { resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { loadFacilitatorConfig, resolveNetworks } from './facilitatorConfig.ts'

const configDir = resolve(import.meta.dirname, '../../../config')
const key = `0x${'ab'.repeat(32)}`

describe('the example facilitator configs', () => {
  it('Base Sepolia reads its RPC URL and key from the environment', async () => {
    const config = await loadFacilitatorConfig(resolve(configDir, 'facilitator.base-sepolia.json'))
    const networks = await resolveNetworks(config, {
      BASE_SEPOLIA_RPC_URL: 'https://sepolia.base.org',
      FACILITATOR_PRIVATE_KEY: key,
    })
    expect(networks).toEqual([
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

  it('rejects a malformed key without echoing it', async () => {
    const config = await loadFacilitatorConfig(resolve(configDir, 'facilitator.base-sepolia.json'))
    const secretish = 'deadbeef-not-a-key'
    const attempt = resolveNetworks(config, {
      BASE_SEPOLIA_RPC_URL: 'https://x',
      FACILITATOR_PRIVATE_KEY: secretish,
    })
    await expect(attempt).rejects.toThrow('eip155:84532 signer 1 is not a 32-byte hex private key')
    await expect(attempt).rejects.not.toThrow(secretish)
  })
})
