import { homedir } from 'node:os'
import { join } from 'node:path'

/** `~/.tollgate`: the user's keystore, spending records and networks file. */
export function tollgateHome(): string {
  return join(homedir(), '.tollgate')
}

/** Where `wallet create` and `wallet import` write, and where every command looks last. */
export function defaultKeystorePath(): string {
  return join(tollgateHome(), 'keystore.json')
}

/** Where spending is recorded unless `--store`, `--store-url` or the environment say otherwise. */
export function defaultSpendStorePath(): string {
  return join(tollgateHome(), 'spending')
}

/** The manifest `tollgate dev` writes, relative to the folder it runs in. */
export const defaultManifestPath = '.tollgate/dev.json'
