/**
 * Goal: the ERC-8004 registries the devnet places at the testnet addresses behave as the 2.0.0
 * registries do: ids from 0, the agent wallet set only with the new wallet's EIP-712 (or ERC-1271)
 * signature and cleared on transfer, feedback refused from the agent's own side, summaries only
 * over a named list of reviewers, validation answered only by the named validator.
 * Method: a fresh anvil and deployDevnet; calls and typed-data signatures through viem (not our
 * contracts' hashing), revert reasons and events read back from the chain.
 */

import { type Address, keccak256, toHex, zeroAddress } from 'viem'
import type { privateKeyToAccount } from 'viem/accounts'
import { beforeAll, describe, expect, it } from 'vitest'
import {
  argsOf,
  identity,
  operator,
  owner,
  reader,
  register,
  reputation,
  revertOf,
  reviewer,
  send,
  useRegistries,
  validation,
  validator,
} from './testing/erc8004Registries.ts'

useRegistries()

describe('reputation registry', () => {
  let agentId: bigint
  beforeAll(async () => {
    agentId = await register('ipfs://rated')
  })

  const give = (
    signer: ReturnType<typeof privateKeyToAccount>,
    value: bigint,
    decimals: number,
    tag1 = 'starred',
    tag2 = '',
  ) =>
    send(signer, reputation(), 'giveFeedback', [
      agentId,
      value,
      decimals,
      tag1,
      tag2,
      'https://agent.example/api',
      'https://reviews.example/1.json',
      keccak256(toHex(`feedback ${value}`)),
    ])

  it('refuses feedback from the agent’s own side and for agents that do not exist', async () => {
    const args = (id: bigint) => [id, 90n, 0, 'starred', '', '', '', `0x${'00'.repeat(32)}`]
    expect(await revertOf(owner, reputation(), 'giveFeedback', args(agentId))).toBe(
      'Self-feedback not allowed',
    )
    await send(owner, identity(), 'approve', [operator.address, agentId])
    expect(await revertOf(operator, reputation(), 'giveFeedback', args(agentId))).toBe(
      'Self-feedback not allowed',
    )
    await send(owner, identity(), 'approve', [zeroAddress, agentId])
    expect(await revertOf(reviewer, reputation(), 'giveFeedback', args(9_999n))).toBe(
      'ERC721NonexistentToken',
    )
    const tooPrecise = [agentId, 1n, 19, '', '', '', '', `0x${'00'.repeat(32)}`]
    expect(await revertOf(reviewer, reputation(), 'giveFeedback', tooPrecise)).toBe(
      'too many decimals',
    )
    const tooLarge = [agentId, 10n ** 38n + 1n, 0, '', '', '', '', `0x${'00'.repeat(32)}`]
    expect(await revertOf(reviewer, reputation(), 'giveFeedback', tooLarge)).toBe('value too large')
  })

  it('records feedback per reviewer from index 1, with the file’s URI and hash in the event', async () => {
    const logs = await give(reviewer, 87n, 0)
    expect(argsOf(logs, 'NewFeedback')).toMatchObject({
      agentId,
      clientAddress: reviewer.address,
      feedbackIndex: 1n,
      value: 87n,
      valueDecimals: 0,
      indexedTag1: keccak256(toHex('starred')),
      tag1: 'starred',
      tag2: '',
      endpoint: 'https://agent.example/api',
      feedbackURI: 'https://reviews.example/1.json',
      feedbackHash: keccak256(toHex('feedback 87')),
    })
    await give(reviewer, 9977n, 2, 'uptime')
    expect(
      await reader().readContract({
        ...reputation(),
        functionName: 'readFeedback',
        args: [agentId, reviewer.address, 2n],
      }),
    ).toEqual([9977n, 2, 'uptime', '', false])
    expect(
      await reader().readContract({
        ...reputation(),
        functionName: 'getLastIndex',
        args: [agentId, reviewer.address],
      }),
    ).toBe(2n)
    expect(
      await reader().readContract({ ...reputation(), functionName: 'getClients', args: [agentId] }),
    ).toEqual([reviewer.address])
  })

  it('summarises only over named reviewers, averaging at the decimals most used', async () => {
    expect(await revertOf(reviewer, reputation(), 'getSummary', [agentId, [], '', ''])).toBe(
      'clientAddresses required',
    )
    const summary = (clients: Address[], tag1 = '') =>
      reader().readContract({
        ...reputation(),
        functionName: 'getSummary',
        args: [agentId, clients, tag1, ''],
      })
    // 87 (0 decimals) and 99.77 (2 decimals): a tie goes to the fewer decimals, 93.385 → 93.
    expect(await summary([reviewer.address])).toEqual([2n, 93n, 0])
    await give(validator, 5000n, 2, 'uptime')
    // Now 2 decimals lead: (87 + 99.77 + 50) / 3 = 78.92...
    expect(await summary([reviewer.address, validator.address])).toEqual([3n, 7892n, 2])
    expect(await summary([reviewer.address], 'uptime')).toEqual([1n, 9977n, 2])
    // A reviewer nobody trusts does not count, even with feedback.
    expect(await summary([operator.address])).toEqual([0n, 0n, 0])
  })

  it('drops revoked feedback from summaries, and lets anyone answer a feedback', async () => {
    expect(await revertOf(validator, reputation(), 'revokeFeedback', [agentId, 2n])).toBe(
      'index out of bounds',
    )
    await send(reviewer, reputation(), 'revokeFeedback', [agentId, 1n])
    expect(await revertOf(reviewer, reputation(), 'revokeFeedback', [agentId, 1n])).toBe(
      'Already revoked',
    )
    expect(
      await reader().readContract({
        ...reputation(),
        functionName: 'getSummary',
        args: [agentId, [reviewer.address], '', ''],
      }),
    ).toEqual([1n, 9977n, 2])
    const all = (await reader().readContract({
      ...reputation(),
      functionName: 'readAllFeedback',
      args: [agentId, [], '', '', true],
    })) as readonly [Address[], bigint[], bigint[], number[], string[], string[], boolean[]]
    expect(all[0]).toEqual([reviewer.address, reviewer.address, validator.address])
    expect(all[1]).toEqual([1n, 2n, 1n])
    expect(all[6]).toEqual([true, false, false])
    const live = (await reader().readContract({
      ...reputation(),
      functionName: 'readAllFeedback',
      args: [agentId, [], 'uptime', '', false],
    })) as readonly (readonly unknown[])[]
    expect(live[2]).toEqual([9977n, 5000n])

    expect(
      await revertOf(owner, reputation(), 'appendResponse', [
        agentId,
        reviewer.address,
        2n,
        '',
        `0x${'00'.repeat(32)}`,
      ]),
    ).toBe('Empty URI')
    const response = [agentId, reviewer.address, 2n, 'ipfs://reply', `0x${'11'.repeat(32)}`]
    await send(owner, reputation(), 'appendResponse', response)
    await send(owner, reputation(), 'appendResponse', response)
    await send(validator, reputation(), 'appendResponse', response)
    const count = (client: Address, index: bigint, responders: Address[]) =>
      reader().readContract({
        ...reputation(),
        functionName: 'getResponseCount',
        args: [agentId, client, index, responders],
      })
    expect(await count(reviewer.address, 2n, [])).toBe(3n)
    expect(await count(reviewer.address, 2n, [owner.address])).toBe(2n)
    expect(await count(reviewer.address, 0n, [])).toBe(3n)
    expect(await count(zeroAddress, 0n, [validator.address])).toBe(1n)
  })
})

describe('validation registry', () => {
  it('takes requests from the agent’s owner and answers from the named validator only', async () => {
    const agentId = await register('ipfs://validated')
    const requestHash = keccak256(toHex('work to check'))
    expect(
      await revertOf(reviewer, validation(), 'validationRequest', [
        validator.address,
        agentId,
        'ipfs://request',
        requestHash,
      ]),
    ).toBe('Not authorized')
    expect(
      await revertOf(owner, validation(), 'validationRequest', [
        zeroAddress,
        agentId,
        'ipfs://request',
        requestHash,
      ]),
    ).toBe('bad validator')
    await send(owner, validation(), 'validationRequest', [
      validator.address,
      agentId,
      'ipfs://request',
      requestHash,
    ])
    expect(
      await revertOf(owner, validation(), 'validationRequest', [
        validator.address,
        agentId,
        'ipfs://request',
        requestHash,
      ]),
    ).toBe('exists')
    const answer = (response: number) => [
      requestHash,
      response,
      'ipfs://answer',
      `0x${'22'.repeat(32)}`,
      'tee',
    ]
    expect(await revertOf(reviewer, validation(), 'validationResponse', answer(90))).toBe(
      'not validator',
    )
    expect(await revertOf(validator, validation(), 'validationResponse', answer(101))).toBe(
      'resp>100',
    )
    expect(
      await revertOf(validator, validation(), 'validationResponse', [
        keccak256(toHex('never asked')),
        1,
        '',
        `0x${'00'.repeat(32)}`,
        '',
      ]),
    ).toBe('unknown')
    const logs = await send(validator, validation(), 'validationResponse', answer(90))
    expect(logs.map((log) => log.eventName)).toEqual(['ValidationResponse'])
    const status = (await reader().readContract({
      ...validation(),
      functionName: 'getValidationStatus',
      args: [requestHash],
    })) as readonly unknown[]
    expect(status.slice(0, 5)).toEqual([
      validator.address,
      agentId,
      90,
      `0x${'22'.repeat(32)}`,
      'tee',
    ])
    const summary = (validators: Address[], tag: string) =>
      reader().readContract({
        ...validation(),
        functionName: 'getSummary',
        args: [agentId, validators, tag],
      })
    expect(await summary([], '')).toEqual([1n, 90])
    expect(await summary([reviewer.address], '')).toEqual([0n, 0])
    expect(await summary([validator.address], 'other')).toEqual([0n, 0])
    expect(
      await reader().readContract({
        ...validation(),
        functionName: 'getAgentValidations',
        args: [agentId],
      }),
    ).toEqual([requestHash])
    expect(
      await reader().readContract({
        ...validation(),
        functionName: 'getValidatorRequests',
        args: [validator.address],
      }),
    ).toEqual([requestHash])
  })
})
