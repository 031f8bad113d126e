// biome-ignore-all lint/performance/noBarrelFile: the package entrypoint
/**
 * @module tollgate
 * The `tollgate` command and the pieces it is built from, for tests and embedding.
 */

export { type DevManifest, readManifest } from '@tollgate/manifest'
export { decryptKeystore, encryptKeystore } from '@tollgate/wallet'
export { type DevStack, type DevStackOptions, startDevStack } from './devStack.ts'
export {
  type BuiltFacilitator,
  buildEvmFacilitator,
  canonicalMulticall3,
  type EvmNetworkSetup,
  rpcClient,
} from './evmFacilitator.ts'
export { createExampleApi, type ExampleApiOptions } from './exampleApi.ts'
export {
  loadFacilitatorConfig,
  type ResolvedNetworks,
  resolveNetworks,
} from './facilitatorConfig.ts'
export { type Listening, listen } from './listen.ts'
export { type SvmNetworkSetup, svmWorstCaseFee } from './svmFacilitator.ts'
