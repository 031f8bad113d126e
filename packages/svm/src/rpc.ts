import {
  createSolanaRpc,
  type GetAccountInfoApi,
  type GetBalanceApi,
  type GetLatestBlockhashApi,
  type GetSignatureStatusesApi,
  type IsBlockhashValidApi,
  type Rpc,
  type SendTransactionApi,
  type SimulateTransactionApi,
} from '@solana/kit'
import { TollgateError } from '@tollgate/core'

/** The JSON-RPC methods the buyer's side calls: a blockhash, and the mint's account. */
export type SvmClientRpc = Rpc<GetLatestBlockhashApi & GetAccountInfoApi>

/** The JSON-RPC methods the facilitator calls. Any `@solana/kit` RPC has them. */
export type SvmFacilitatorRpc = Rpc<
  SimulateTransactionApi &
    SendTransactionApi &
    GetSignatureStatusesApi &
    IsBlockhashValidApi &
    GetBalanceApi
>

/** Where a role reaches the chain: a kit RPC, or the URL of a JSON-RPC endpoint. */
export type SvmRpcSource<TRpc> =
  | { rpc: TRpc; rpcUrl?: undefined }
  | { rpcUrl: string; rpc?: undefined }

/** The RPC of `source`, made from its URL when it has none. */
export function rpcOf<TRpc>(source: SvmRpcSource<TRpc>, make: (url: string) => TRpc): TRpc {
  if (source.rpc) return source.rpc
  if (typeof source.rpcUrl !== 'string' || source.rpcUrl === '') {
    throw new TollgateError('REQUIREMENTS_MALFORMED', 'give an rpc or an rpcUrl')
  }
  return make(source.rpcUrl)
}

/** A kit RPC over HTTP; typed as the full Solana API, so it serves either role. */
export function solanaRpc(url: string) {
  return createSolanaRpc(url)
}
