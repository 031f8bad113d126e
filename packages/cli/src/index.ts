// biome-ignore-all lint/performance/noBarrelFile: the package entrypoint
/**
 * @module tollgate
 * The `tollgate` command and the pieces it is built from, for tests and embedding.
 */

/** A public client for an EVM RPC (re-exported from `@tollgate/evm`). */
export { rpcClient } from '@tollgate/evm'
export { type DevManifest, readManifest } from '@tollgate/manifest'
export { decryptKeystore, encryptKeystore } from '@tollgate/wallet'
export {
  type BuildFacilitatorOptions,
  type BuiltFacilitator,
  buildFacilitator,
} from './buildFacilitator.ts'
export { chains } from './chains.ts'
export { type DevStack, type DevStackOptions, startDevStack } from './devStack.ts'
export { createExampleApi, type ExampleApiOptions } from './exampleApi.ts'
export { loadFacilitatorConfig, resolveNetworks } from './facilitatorConfig.ts'
export { type Listening, listen } from './listen.ts'
