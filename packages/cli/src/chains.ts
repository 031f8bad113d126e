import type { ChainDescriptor } from '@tollgate/core'
import { evmChain } from '@tollgate/evm'
import { svmChain } from '@tollgate/svm'

/** The chains this CLI knows, each described by its own package: one line per chain. */
export const chains: readonly ChainDescriptor[] = [evmChain, svmChain]
