/**
 * House rules enforced as tests: dependency direction between packages, no console or
 * environment access in libraries, no skipped tests, no `any` casts, reasonably small files,
 * and docs/ERRORS.md in step with the code table.
 */
import { readdir, readFile } from 'node:fs/promises'
import { join, relative, resolve } from 'node:path'
import { errorCodes } from '@tollgate/core'
import { describe, expect, it } from 'vitest'
import { renderErrorsDoc } from '../scripts/errorsDoc.ts'

const root = resolve(import.meta.dirname, '..')

async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true })
  return entries
    .filter(
      (entry) =>
        entry.isFile() &&
        /\.tsx?$/.test(entry.name) &&
        !/(^|\/)(node_modules|dist|bundle)(\/|$)/.test(entry.parentPath),
    )
    .map((entry) => join(entry.parentPath, entry.name))
}

/** Which of our packages each package may import (besides itself). */
const allowedInternal: Record<string, string[]> = {
  core: [],
  evm: ['@tollgate/core'],
  svm: ['@tollgate/core'],
  facilitator: ['@tollgate/core'],
  server: ['@tollgate/core', '@tollgate/paywall'],
  paywall: ['@tollgate/core'],
  dashboard: ['@tollgate/core'],
  client: ['@tollgate/core'],
  contracts: [],
  devnet: ['@tollgate/contracts'],
  sql: [],
  wallet: ['@tollgate/core', '@tollgate/client', '@tollgate/evm', '@tollgate/sql'],
  ledger: ['@tollgate/core', '@tollgate/sql'],
  mcp: ['@tollgate/core', '@tollgate/client', '@tollgate/server'],
  manifest: [],
  trust: ['@tollgate/core', '@tollgate/contracts'],
  a2a: ['@tollgate/core', '@tollgate/client', '@tollgate/server'],
  cli: [
    '@tollgate/manifest',
    '@tollgate/core',
    '@tollgate/evm',
    '@tollgate/facilitator',
    '@tollgate/server',
    '@tollgate/client',
    '@tollgate/devnet',
    '@tollgate/ledger',
    '@tollgate/sql',
    '@tollgate/wallet',
    '@tollgate/mcp',
    '@tollgate/svm',
    '@tollgate/dashboard',
    '@tollgate/trust',
    '@tollgate/a2a',
  ],
}

describe('tidy', () => {
  it('packages import only the packages below them', async () => {
    const problems: string[] = []
    for (const [name, allowed] of Object.entries(allowedInternal)) {
      for (const file of await sourceFiles(join(root, 'packages', name, 'src'))) {
        if (file.endsWith('.test.ts')) continue
        const text = await readFile(file, 'utf8')
        for (const [, specifier] of text.matchAll(/from '([^']+)'/g)) {
          const internal = specifier!.startsWith('@tollgate/') || specifier === 'tollgate'
          const base = specifier!.split('/').slice(0, 2).join('/')
          if (internal && !allowed.includes(base))
            problems.push(`${relative(root, file)} imports ${specifier}`)
          if (
            name === 'core' &&
            (specifier!.startsWith('node:') ||
              (!internal && !specifier!.startsWith('.') && specifier !== 'zod'))
          ) {
            problems.push(
              `${relative(root, file)}: core may depend on zod and Web APIs only, not ${specifier}`,
            )
          }
        }
      }
      const manifest = JSON.parse(
        await readFile(join(root, 'packages', name, 'package.json'), 'utf8'),
      )
      for (const dependency of Object.keys({
        ...manifest.dependencies,
        ...manifest.devDependencies,
      })) {
        if (
          (dependency.startsWith('@tollgate/') || dependency === 'tollgate') &&
          !allowed.includes(dependency)
        ) {
          problems.push(`packages/${name}/package.json depends on ${dependency}`)
        }
      }
    }
    expect(problems).toEqual([])
  })

  it('libraries neither log to the console nor read the environment', async () => {
    const problems: string[] = []
    for (const name of [
      'core',
      'evm',
      'svm',
      'facilitator',
      'server',
      'client',
      'devnet',
      'paywall',
    ]) {
      for (const file of await sourceFiles(join(root, 'packages', name, 'src'))) {
        if (file.endsWith('.test.ts')) continue
        const text = await readFile(file, 'utf8')
        if (/^[^*]*\bconsole\./m.test(text)) problems.push(`${relative(root, file)} uses console`)
        if (/\bprocess\.env\b/.test(text))
          problems.push(`${relative(root, file)} reads process.env`)
      }
    }
    expect(problems).toEqual([])
  })

  it('no skipped or focused tests, no any-casts, no file over 400 lines', async () => {
    const problems: string[] = []
    const files = [
      ...(await sourceFiles(join(root, 'packages'))),
      ...(await sourceFiles(join(root, 'tests'))),
      ...(await sourceFiles(join(root, 'bench'))),
    ].filter((file) => !file.endsWith('generated.ts') && !file.endsWith('tidy.test.ts'))
    for (const file of files) {
      const text = await readFile(file, 'utf8')
      const where = relative(root, file)
      if (/\b(it|test|describe)\.(skip|only|todo)\(|\bxit\(|\bfdescribe\(/.test(text))
        problems.push(`${where}: skipped or focused test`)
      if (/\bas any\b|as unknown as /.test(text)) problems.push(`${where}: any-cast`)
      const lines = text.split('\n').length
      if (lines > 400) problems.push(`${where}: ${lines} lines`)
    }
    expect(problems).toEqual([])
  })

  it('docs/ERRORS.md matches the code table', async () => {
    expect(await readFile(join(root, 'docs/ERRORS.md'), 'utf8')).toBe(renderErrorsDoc())
  })

  it("every reason string is written once, in core's table", async () => {
    const reasons = new Set<string>(Object.values(errorCodes).map((entry) => entry.reason))
    const tables = [
      'codes.ts',
      'evmCodes.ts',
      'batchSettlementCodes.ts',
      'trustCodes.ts',
      'agentCodes.ts',
    ].map((file) => join(root, 'packages/core/src/errors', file))
    const problems: string[] = []
    for (const file of await sourceFiles(join(root, 'packages'))) {
      if (tables.includes(file) || /\.test\.tsx?$/.test(file) || file.endsWith('generated.ts'))
        continue
      const code = (await readFile(file, 'utf8'))
        .split('\n')
        .filter((line) => !/^\s*(\*|\/\/|\/\*)/.test(line))
        .join('\n')
      for (const [literal, value] of code.matchAll(/['"`]([a-z][a-z0-9]*(?:_[a-z0-9]+)*)['"`]/g)) {
        if (reasons.has(value!)) problems.push(`${relative(root, file)}: ${literal}`)
      }
      for (const [found] of code.matchAll(/\b(error|errorReason|invalidReason): '[a-z_]+'/g))
        problems.push(`${relative(root, file)}: ${found} (add it to the table, use reasonOf)`)
    }
    expect(problems).toEqual([])
  })
})
