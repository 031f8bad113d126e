/**
 * Finds the anvil executable shipped by the npm package `@foundry-rs/anvil`. That package only
 * carries a launcher; the binary sits in one optional per-platform dependency. We resolve that
 * dependency ourselves because install scripts are disabled in this repository, so the launcher's
 * postinstall step never ran.
 * @module
 */
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { DevnetError } from './errors.ts'

/** `${process.platform}-${process.arch}` → the package holding that platform's binary. */
const PLATFORM_PACKAGES: Readonly<Record<string, string>> = {
  'linux-x64': '@foundry-rs/anvil-linux-amd64',
  'linux-arm64': '@foundry-rs/anvil-linux-arm64',
  'darwin-x64': '@foundry-rs/anvil-darwin-amd64',
  'darwin-arm64': '@foundry-rs/anvil-darwin-arm64',
  'win32-x64': '@foundry-rs/anvil-win32-amd64',
}

/**
 * Absolute path of the anvil binary for this platform.
 * @throws DevnetError `ANVIL_UNSUPPORTED_PLATFORM` or `ANVIL_BINARY_MISSING`.
 * @example
 * const anvil = resolveAnvilBinary() // …/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil
 */
export function resolveAnvilBinary(
  platform: NodeJS.Platform = process.platform,
  arch: string = process.arch,
): string {
  const packageName = PLATFORM_PACKAGES[`${platform}-${arch}`]
  if (packageName === undefined) {
    const supported = Object.keys(PLATFORM_PACKAGES).join(', ')
    throw new DevnetError(
      'ANVIL_UNSUPPORTED_PLATFORM',
      `@foundry-rs/anvil has no binary for ${platform}-${arch}; supported: ${supported}`,
    )
  }
  const manifest = resolvePackageManifest(packageName)
  const binary = join(dirname(manifest), 'bin', platform === 'win32' ? 'anvil.exe' : 'anvil')
  if (!existsSync(binary)) {
    throw new DevnetError(
      'ANVIL_BINARY_MISSING',
      `${packageName} is installed but ${binary} is missing`,
    )
  }
  return binary
}

function resolvePackageManifest(packageName: string): string {
  // The platform package is an optional dependency of @foundry-rs/anvil, so look for it from the
  // launcher's own folder first (npm may nest it there), then from ours (npm usually hoists it).
  const searchFrom = [launcherManifest(), import.meta.filename].filter((path) => path !== undefined)
  for (const from of searchFrom) {
    try {
      return createRequire(from).resolve(`${packageName}/package.json`)
    } catch {
      // Not reachable from here; try the next starting point.
    }
  }
  throw new DevnetError(
    'ANVIL_BINARY_MISSING',
    `anvil binary package ${packageName} is not installed. Run \`npm install\` at the ` +
      'repository root, without --omit=optional: the binary is an optional dependency.',
  )
}

function launcherManifest(): string | undefined {
  try {
    return createRequire(import.meta.filename).resolve('@foundry-rs/anvil/package.json')
  } catch {
    return undefined
  }
}
