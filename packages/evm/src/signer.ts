import type { Address, Hex, TypedDataDefinition } from 'viem'

/** Anything that can sign EIP-712 data for an address: a viem local account, a wallet, a KMS. */
export interface EvmSigner {
  readonly address: Address
  signTypedData(typedData: TypedDataDefinition): Promise<Hex>
}
