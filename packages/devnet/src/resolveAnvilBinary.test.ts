/**
 * Goal: the anvil binary is found from npm packages alone, and a platform without one gets a clear
 * error. Method: resolve for this machine and for an unsupported platform.
 */
import { accessSync, constants } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { isDevnetError } from './errors.ts'
import { resolveAnvilBinary } from './resolveAnvilBinary.ts'

describe('resolveAnvilBinary', () => {
  it('finds an executable anvil in the per-platform @foundry-rs package', () => {
    const binary = resolveAnvilBinary()
    expect(binary).toMatch(
      /@foundry-rs[/\\]anvil-(linux|darwin|win32)-(amd64|arm64)[/\\]bin[/\\]anvil/,
    )
    expect(() => accessSync(binary, constants.X_OK)).not.toThrow()
  })

  it('names the supported platforms when there is no binary for this one', () => {
    const error = (() => {
      try {
        return resolveAnvilBinary('freebsd', 'x64')
      } catch (caught) {
        return caught
      }
    })()
    expect(isDevnetError(error, 'ANVIL_UNSUPPORTED_PLATFORM')).toBe(true)
    expect(String(error)).toContain('no binary for freebsd-x64; supported: linux-x64, linux-arm64')
  })

  it('explains how to install a missing platform package', () => {
    // linux-arm64 is a supported platform whose package npm skips on this machine.
    if (process.platform === 'linux' && process.arch === 'arm64') return
    expect(() => resolveAnvilBinary('linux', 'arm64')).toThrow(
      /@foundry-rs\/anvil-linux-arm64 is not installed\. Run `npm install`/,
    )
  })
})
