import { TollgateError } from '@tollgate/core'
import type { Address } from 'viem'
import { createSiweMessage } from 'viem/siwe'
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
  const text = createSiweMessage({
    domain: challenge.domain,
    address: address as Address,
    ...(challenge.statement !== undefined ? { statement: challenge.statement } : {}),
    uri: challenge.uri,
    version: '1',
    chainId: Number(reference),
    nonce: challenge.nonce,
    issuedAt: new Date(challenge.issuedAt),
    ...(challenge.expirationTime ? { expirationTime: new Date(challenge.expirationTime) } : {}),
    ...(challenge.notBefore ? { notBefore: new Date(challenge.notBefore) } : {}),
    ...(challenge.requestId !== undefined ? { requestId: challenge.requestId } : {}),
    ...(challenge.resources?.length ? { resources: challenge.resources } : {}),
  })
  // viem writes times as toISOString(); put back the server's spelling where it differs.
  return restoreTimes(text, challenge)
}

function restoreTimes(text: string, challenge: SiwxChallenge): string {
  const fields = [
    ['Issued At', challenge.issuedAt],
    ['Expiration Time', challenge.expirationTime],
    ['Not Before', challenge.notBefore],
  ] as const
  let restored = text
  for (const [label, spelled] of fields) {
    if (spelled === undefined) continue
    restored = restored.replace(
      `\n${label}: ${new Date(spelled).toISOString()}`,
      `\n${label}: ${spelled}`,
    )
  }
  return restored
}

function siwsMessage(challenge: SiwxChallenge, address: string, reference: string): string {
  const lines = [`${challenge.domain} wants you to sign in with your Solana account:`, address, '']
  if (challenge.statement) lines.push(challenge.statement, '')
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
