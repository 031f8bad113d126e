import { TollgateError } from '@tollgate/core'
import type { SiwxChallenge } from './wire.ts'

/**
 * The text a signer signs for a challenge (CAIP-122): EIP-4361 (SIWE) on `eip155:*`, the
 * Solana form (SIWS) on `solana:*`. Timestamps are used as the server spelled them, since a
 * re-spelled time is a different message.
 * @throws TollgateError `SIWX_CHAIN_UNSUPPORTED` for another namespace, `SIWX_CHAIN_ID_INVALID`
 * for an unreadable chain id.
 */
export function siwxMessage(challenge: SiwxChallenge, address: string): string {
  const [namespace, reference = ''] = challenge.chainId.split(':')
  if (namespace === 'eip155') return siweMessage(challenge, address, reference)
  if (namespace === 'solana') return siwsMessage(challenge, address, reference)
  throw new TollgateError(
    'SIWX_CHAIN_UNSUPPORTED',
    `sign-in on ${challenge.chainId}: only eip155 and solana chains are supported`,
  )
}

function siweMessage(challenge: SiwxChallenge, address: string, reference: string): string {
  if (!/^\d+$/.test(reference))
    throw new TollgateError('SIWX_CHAIN_ID_INVALID', `${challenge.chainId} is not eip155:<number>`)
  return caip122Text('Ethereum', challenge, address, reference)
}

function siwsMessage(challenge: SiwxChallenge, address: string, reference: string): string {
  return caip122Text('Solana', challenge, address, reference)
}

/**
 * The CAIP-122 text both forms share (EIP-4361 for Ethereum): written here rather than through
 * a SIWE library because it is a handful of lines and must keep every field as the server spelled
 * it (a library re-spells times, and checks fields the gate checks itself).
 */
function caip122Text(
  account: 'Ethereum' | 'Solana',
  challenge: SiwxChallenge,
  address: string,
  reference: string,
): string {
  const lines = [
    `${challenge.domain} wants you to sign in with your ${account} account:`,
    address,
    '',
  ]
  if (challenge.statement) lines.push(challenge.statement, '')
  // EIP-4361 keeps the statement's line, empty, when there is none; the Solana form drops it.
  else if (account === 'Ethereum') lines.push('')
  lines.push(
    `URI: ${challenge.uri}`,
    `Version: ${challenge.version}`,
    `Chain ID: ${reference}`,
    `Nonce: ${challenge.nonce}`,
    `Issued At: ${challenge.issuedAt}`,
  )
  if (challenge.expirationTime) lines.push(`Expiration Time: ${challenge.expirationTime}`)
  if (challenge.notBefore) lines.push(`Not Before: ${challenge.notBefore}`)
  if (challenge.requestId) lines.push(`Request ID: ${challenge.requestId}`)
  if (challenge.resources?.length)
    lines.push('Resources:', ...challenge.resources.map((resource) => `- ${resource}`))
  return lines.join('\n')
}
