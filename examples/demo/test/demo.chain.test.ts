/**
 * `npm start`, as a newcomer runs it: the built demo with plain node, from a folder outside the
 * repository and an empty HOME. Its output must tell the whole story, every step of the first
 * payment, each later payment with its transaction, and real ports wherever a URL is printed.
 */
import { spawn } from 'node:child_process'
import { mkdtemp, readdir } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'

const main = resolve(import.meta.dirname, '../dist/main.js')
let result: { code: number | null; stdout: string; stderr: string }
let cwd: string

beforeAll(async () => {
  cwd = await mkdtemp(join(tmpdir(), 'tollgate-demo-run-'))
  const home = await mkdtemp(join(tmpdir(), 'tollgate-demo-home-'))
  result = await new Promise((done) => {
    const child = spawn(process.execPath, [main], {
      cwd,
      env: { PATH: process.env.PATH ?? '', HOME: home, NO_COLOR: '1' },
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk) => {
      stdout += chunk
    })
    child.stderr.on('data', (chunk) => {
      stderr += chunk
    })
    child.on('close', (code) => done({ code, stdout, stderr }))
  })
}, 180_000)

const hash = '0x[0-9a-f]{64}'

describe('npm start', () => {
  it('ends with exit 0 and nothing on stderr', () => {
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
  })

  it('prints a real port in every URL, and never port 0', () => {
    const ports = [...result.stdout.matchAll(/127\.0\.0\.1:(\d+)/g)].map((match) =>
      Number(match[1]),
    )
    expect(ports.length).toBeGreaterThan(10)
    for (const port of ports) expect(port).toBeGreaterThan(0)
    expect(result.stdout).not.toMatch(/port 0\b|a free port/)
  })

  it('finds the services in the catalogue', () => {
    expect(result.stdout).toMatch(/discovery\/resources\?limit=20: 3 services/)
    for (const path of ['/research', '/scrape', '/v1/chat/completions'])
      expect(result.stdout).toMatch(
        new RegExp(`· http://127\\.0\\.0\\.1:\\d+${path.replace(/\//g, '\\/')}\\s`),
      )
  })

  it('shows the first payment step by step, in order, with what travels', () => {
    const steps = [
      /agent → POST 127\.0\.0\.1:\d+\/scrape\n/,
      /agent ← 402 \+ PAYMENT-REQUIRED\n\s+exact on eip155:31337: 2000 units/,
      /choose exact on eip155:31337, \$0\.002/,
      /sign {3}an EIP-3009 authorization/,
      /agent → POST 127\.0\.0\.1:\d+\/scrape \+ PAYMENT-SIGNATURE \(\d+ bytes of base64\)\n\s+EIP-3009 transferWithAuthorization 0x\w+…\w+ → 0x\w+…\w+, value 2000/,
      /scraper → facilitator POST \/verify → 200 isValid true/,
      /scraper runs the handler and holds its response/,
      new RegExp(`scraper → facilitator POST /settle → 200 success true, transaction ${hash}`),
      new RegExp(`agent ← 200 \\+ PAYMENT-RESPONSE\\n\\s+success true, transaction ${hash}`),
      /release the page as Markdown, \d+ characters: "HTTP 402 Payment Required"/,
    ]
    let from = 0
    for (const step of steps) {
      const found = result.stdout.slice(from).search(step)
      expect(found, String(step)).toBeGreaterThanOrEqual(0)
      from += found
    }
  })

  it('hires the research agent over A2A, which buys its pages one by one', () => {
    expect(
      result.stdout.match(/research agent → scraper: \$0\.002 for a page, tx 0x[0-9a-f]{6}…/g),
    ).toHaveLength(3)
    expect(result.stdout).toMatch(/the task completed, paid in tx 0x/)
    expect(result.stdout).toMatch(/## Summary .+\n/)
    expect(result.stdout).toMatch(/## Sources 1\. \[/)
    expect(result.stdout).not.toMatch(/Finding: Sourdough/)
  })

  it('is charged the tokens used by the gateway, less than it authorized', () => {
    const match =
      /(\d+) prompt \+ (\d+) completion tokens: authorized \$([\d.]+), charged \$([\d.]+) \(upto\)/.exec(
        result.stdout,
      )
    expect(match).not.toBeNull()
    const [, prompt, completion, authorized, charged] = match!
    // $2 per million tokens: 2 micro-dollars a token, rounded up.
    expect(Math.round(Number(charged) * 1e6)).toBe(2 * (Number(prompt) + Number(completion)))
    expect(Number(charged)).toBeLessThan(Number(authorized))
  })

  it("tips the report's author through its ERC-8004 identity, and is served on credit", () => {
    expect(result.stdout).toMatch(
      /Tipped @research \(0x[0-9a-fA-F]{40}, ERC-8004 agent \d+\) 0\.05 USDC: tx 0x/,
    )
    expect(result.stdout).toMatch(/the merchant rated it 95/)
    expect(result.stdout).toMatch(/GET \/report → 200 at once, before settlement/)
    expect(result.stdout).toMatch(/settled in the background \d+ ms later, tx 0x/)
  })

  it('ends with each payment and its transaction, the budget left, and the dashboard', () => {
    const rows = result.stdout.match(new RegExp(`^ {3}\\S.*\\$[\\d.]+ {3}${hash}$`, 'gm'))
    expect(rows).toHaveLength(5)
    const left =
      /budget left: \$([\d.]+) of \$1\.00 \(the spending store counts \$([\d.]+); the chain moved \$([\d.]+)/.exec(
        result.stdout,
      )
    expect(left).not.toBeNull()
    const [, remaining, recorded, moved] = left!.map(Number)
    expect(recorded).toBe(moved)
    expect(remaining! + recorded!).toBeCloseTo(1, 6)
    expect(result.stdout).toMatch(
      /5 payments by the agent and 3 by the research agent, each settled on chain/,
    )
    expect(result.stdout).toMatch(/the dashboard: http:\/\/127\.0\.0\.1:\d+\/dashboard\//)
  })

  it('leaves nothing in the folder it was run from', async () => {
    expect(await readdir(cwd)).toEqual([])
  })
})
