/**
 * Goal: the page shows the offer as people read it, and nothing taken from requirements or
 * options can add markup or script to it. Method: render pages for hostile and ordinary
 * requirements and read the HTML and its JSON data island back.
 */
import type { PaymentRequired, PaymentRequirements } from '@tollgate/core'
import { describe, expect, it } from 'vitest'
import { paywallScript } from './generated.ts'
import { type PageData, pageDataElementId } from './pageData.ts'
import { paywallHtml } from './paywallHtml.ts'

const evm: PaymentRequirements = {
  scheme: 'exact',
  network: 'eip155:84532',
  amount: '1000',
  asset: '0x036CbD53842c5426634e7929541eC2318f3dCF7e',
  payTo: '0x209693Bc6afc0C5328bA36FaF03C514EF312287C',
  maxTimeoutSeconds: 300,
  extra: { name: 'USDC', version: '2' },
}

const solana: PaymentRequirements = {
  scheme: 'exact',
  network: 'solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1',
  amount: '1000',
  asset: '4zMMC9srt5Ri5X14GAgXhaHii3GnPAEERYPJgZJDncDU',
  payTo: '2wKupLR9q6wXYppw8Gr2NvWxKBUqm4PPJKkQfoxHDBg4',
  maxTimeoutSeconds: 300,
  extra: { feePayer: 'EwWqGE4ZFKLofuestmU4LDdK7XM1N4ALgdZccwYugwGd' },
}

function required(overrides: Partial<PaymentRequired> = {}): PaymentRequired {
  return {
    x402Version: 2,
    error: 'Payment required',
    resource: { url: 'https://api.example/weather', description: 'Current weather' },
    accepts: [evm],
    ...overrides,
  }
}

const usd = { decimals: 6, usd: true }

function pageData(html: string): PageData {
  const open = `<script type="application/json" id="${pageDataElementId}">`
  const start = html.indexOf(open) + open.length
  return JSON.parse(html.slice(start, html.indexOf('</script>', start)))
}

describe('paywallHtml', () => {
  it('shows the price in dollars, the network, the payee and a pay button', () => {
    const html = paywallHtml(required(), { assets: [usd] })
    expect(html).toContain('<div class="price">$0.001</div>')
    expect(html).toContain('Base Sepolia (eip155:84532)')
    expect(html).toContain(evm.payTo)
    expect(html).toContain('Connect wallet and pay $0.001')
    expect(html).toContain(paywallScript)
    expect(pageData(html).payable).toEqual([
      {
        index: 0,
        chainId: 84532,
        networkLabel: 'Base Sepolia (eip155:84532)',
        priceLabel: '$0.001',
      },
    ])
  })

  it('escapes every value from the requirements and options', () => {
    const attack = `</script><script>alert(1)</script><img src=x onerror="alert(2)">'"&`
    const hostile = required({
      resource: { url: `https://api.example/${attack}`, description: attack },
      accepts: [{ ...evm, payTo: attack, asset: attack, scheme: 'exact', extra: { name: attack } }],
      extensions: { bazaar: { info: { note: attack } } },
    })
    const html = paywallHtml(hostile, { appName: attack, assets: [undefined] })
    // Only the page's own two script elements open, and nothing closes one early.
    expect(html.match(/<script/g)).toHaveLength(2)
    expect(html.match(/<\/script>/g)).toHaveLength(2)
    expect(html).not.toContain('<img src=x')
    expect(html).not.toContain('alert(1)</script>')
    expect(html).toContain(
      '&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=&quot;alert(2)&quot;&gt;&#39;&quot;&amp;',
    )
    // The script still reads the requirements exactly as sent.
    expect(pageData(html).paymentRequired).toEqual(hostile)
  })

  it('lets only its own script run, by nonce', () => {
    const html = paywallHtml(required(), { assets: [usd] })
    const nonce = /script-src 'nonce-([A-Za-z0-9+/=]+)'/.exec(html)?.[1]
    expect(nonce).toBeDefined()
    expect(html).toContain(`<script nonce="${nonce}">`)
    expect(paywallHtml(required(), { assets: [usd] })).not.toContain(nonce)
  })

  it('shows a Solana offer as one for a Solana wallet and an x402 client', () => {
    const html = paywallHtml(required({ accepts: [evm, solana] }), { assets: [usd, usd] })
    expect(html).toContain(
      '$0.001 on Solana Devnet (solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1): pay with a Solana wallet via an x402 client',
    )
    expect(pageData(html).payable.map((offer) => offer.index)).toEqual([0])
  })

  it('has no script and no pay button when no offer can be paid from a browser wallet', () => {
    const html = paywallHtml(required({ accepts: [solana] }), { assets: [usd] })
    expect(html).not.toContain('<script')
    expect(html).not.toContain('id="tg-pay"')
    expect(html).toContain('pay with an x402 client')
    expect(html).toContain('<div class="price">$0.001</div>')
  })

  it('names other assets and falls back to atomic units', () => {
    const euro = { ...evm, amount: '1500000', extra: { name: 'EURC', version: '2' } }
    expect(
      paywallHtml(required({ accepts: [euro] }), { assets: [{ decimals: 6, usd: false }] }),
    ).toContain('<div class="price">1.5 EURC</div>')
    expect(paywallHtml(required({ accepts: [euro] }))).toContain(
      '<div class="price">1500000 atomic units</div>',
    )
  })

  it('brands the page: app name, logo, testnet badge; a javascript: logo is dropped', () => {
    const html = paywallHtml(required(), {
      appName: 'Weather shop',
      appLogoUrl: 'https://shop.example/logo.png',
      testnet: true,
    })
    expect(html).toContain('<img src="https://shop.example/logo.png" alt="">')
    expect(html).toContain('<span>Weather shop</span>')
    expect(html).toContain('Testnet: no real money')
    expect(paywallHtml(required(), { appLogoUrl: 'javascript:alert(1)' })).not.toContain('<img')
    expect(paywallHtml(required())).not.toContain('class="brand"')
  })
})
