/**
 * Pulls the Solidity revert reason out of a viem error, so tests can pin exact revert strings.
 * @module
 */
import { BaseError, ContractFunctionRevertedError } from 'viem'

/** Awaits `call`, which must revert, and returns its revert reason string. */
export async function revertReason(call: Promise<unknown>): Promise<string | undefined> {
  try {
    await call
  } catch (error) {
    if (error instanceof BaseError) {
      const reverted = error.walk((cause) => cause instanceof ContractFunctionRevertedError)
      if (reverted instanceof ContractFunctionRevertedError) return reverted.reason
    }
    throw error
  }
  throw new Error('expected the call to revert, but it succeeded')
}
