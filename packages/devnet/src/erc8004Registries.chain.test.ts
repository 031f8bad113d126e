/**
 * Goal: the ERC-8004 registries the devnet places at the testnet addresses behave as the 2.0.0
 * registries do: ids from 0, the agent wallet set only with the new wallet's EIP-712 (or ERC-1271)
 * signature and cleared on transfer, feedback refused from the agent's own side, summaries only
 * over a named list of reviewers, validation answered only by the named validator.
 * Method: a fresh anvil and deployDevnet; calls and typed-data signatures through viem (not our
 * contracts' hashing), revert reasons and events read back from the chain.
 */

import {
  agentIdentityRegistryAbi,
  agentReputationRegistryAbi,
  agentValidationRegistryAbi,
  ERC8004_ADDRESSES,
  testSmartWalletAbi,
  testSmartWalletBytecode,
} from '@tollgate/contracts'
import {
  type Abi,
  type Address,
  BaseError,
  ContractFunctionRevertedError,
  createPublicClient,
  createWalletClient,
  getAddress,
  type Hex,
  http,
  keccak256,
  parseEventLogs,
  toHex,
  zeroAddress,
} from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ANVIL_ACCOUNTS } from './anvilAccounts.ts'
import { type DevnetContracts, deployDevnet } from './deployDevnet.ts'
import { devnetChain } from './devnetChain.ts'
import { type AnvilProcess, startAnvil } from './startAnvil.ts'

const account = (index: number) => privateKeyToAccount(ANVIL_ACCOUNTS[index]!.privateKey)
const owner = account(5)
const agentWallet = account(6)
const reviewer = account(7)
const validator = account(8)
const operator = account(9)

let anvil: AnvilProcess
let contracts: DevnetContracts

beforeAll(async () => {
  anvil = await startAnvil()
  contracts = await deployDevnet({
    rpcUrl: anvil.rpcUrl,
    chainId: anvil.chainId,
    deployerPrivateKey: ANVIL_ACCOUNTS[0].privateKey,
  })
})

afterAll(async () => {
  await anvil?.stop()
})

function chain() {
  return devnetChain(anvil.chainId, anvil.rpcUrl, contracts.multicall3)
}
function reader() {
  return createPublicClient({ chain: chain(), transport: http(), pollingInterval: 50 })
}
function wallet(signer: ReturnType<typeof privateKeyToAccount>) {
  return createWalletClient({ account: signer, chain: chain(), transport: http() })
}

const identity = () => ({
  address: contracts.canonical.identityRegistry,
  abi: agentIdentityRegistryAbi,
})
/** The identity registry's errors bubble up through the others; decoding them needs its ABI. */
const identityErrors = agentIdentityRegistryAbi.filter((item) => item.type === 'error')
const reputation = () => ({
  address: contracts.canonical.reputationRegistry,
  abi: [...agentReputationRegistryAbi, ...identityErrors],
})
const validation = () => ({
  address: contracts.canonical.validationRegistry,
  abi: [...agentValidationRegistryAbi, ...identityErrors],
})

/** Sends a call and waits for it; returns the receipt's logs decoded with `abi`. */
async function send(
  signer: ReturnType<typeof privateKeyToAccount>,
  target: { address: Address; abi: Abi },
  functionName: string,
  args: readonly unknown[],
) {
  const hash = await wallet(signer).writeContract({ ...target, functionName, args } as never)
  const receipt = await reader().waitForTransactionReceipt({ hash })
  expect(receipt.status).toBe('success')
  return parseEventLogs({ abi: target.abi, logs: receipt.logs })
}

/** The revert reason (or custom error name) of a call that must fail. */
async function revertOf(
  signer: ReturnType<typeof privateKeyToAccount>,
  target: { address: Address; abi: Abi },
  functionName: string,
  args: readonly unknown[],
): Promise<string> {
  try {
    await reader().simulateContract({
      ...target,
      functionName,
      args,
      account: signer,
    } as never)
  } catch (error) {
    const reverted =
      error instanceof BaseError
        ? error.walk((cause) => cause instanceof ContractFunctionRevertedError)
        : undefined
    if (reverted instanceof ContractFunctionRevertedError)
      return reverted.reason ?? reverted.data?.errorName ?? 'unknown revert'
    throw error
  }
  throw new Error(`${functionName} did not revert`)
}

async function now(): Promise<bigint> {
  return (await reader().getBlock()).timestamp
}

async function register(uri: string): Promise<bigint> {
  const logs = await send(owner, identity(), 'register', [uri])
  const registered = logs.find((log) => log.eventName === 'Registered') as
    | { args: { agentId: bigint } }
    | undefined
  return registered!.args.agentId
}

function walletSetSignature(
  signer: ReturnType<typeof privateKeyToAccount>,
  agentId: bigint,
  newWallet: Address,
  deadline: bigint,
) {
  return signer.signTypedData({
    domain: {
      name: 'ERC8004IdentityRegistry',
      version: '1',
      chainId: anvil.chainId,
      verifyingContract: contracts.canonical.identityRegistry,
    },
    types: {
      AgentWalletSet: [
        { name: 'agentId', type: 'uint256' },
        { name: 'newWallet', type: 'address' },
        { name: 'owner', type: 'address' },
        { name: 'deadline', type: 'uint256' },
      ],
    },
    primaryType: 'AgentWalletSet',
    message: { agentId, newWallet, owner: owner.address, deadline },
  })
}

describe('identity registry', () => {
  it('sits at the testnet address and names itself as the 2.0.0 registry does', async () => {
    expect(contracts.canonical.identityRegistry).toBe(ERC8004_ADDRESSES.testnet.identityRegistry)
    const read = (functionName: string) =>
      reader().readContract({ ...identity(), functionName } as never)
    expect(await read('name')).toBe('AgentIdentity')
    expect(await read('symbol')).toBe('AGENT')
    expect(await read('getVersion')).toBe('2.0.0')
    const domain = (await read('eip712Domain')) as readonly unknown[]
    expect(domain.slice(1, 5)).toEqual([
      'ERC8004IdentityRegistry',
      '1',
      BigInt(anvil.chainId),
      contracts.canonical.identityRegistry,
    ])
    expect(
      await reader().readContract({
        ...reputation(),
        functionName: 'getIdentityRegistry',
      }),
    ).toBe(contracts.canonical.identityRegistry)
  })

  it('mints ids from 0, with the registering account as the agent wallet', async () => {
    const logs = await send(owner, identity(), 'register', ['https://agent.example/one.json'])
    const names = logs.map((log) => log.eventName)
    expect(names).toEqual(
      expect.arrayContaining(['Registered', 'Transfer', 'MetadataSet', 'MetadataUpdate']),
    )
    const registered = logs.find((log) => log.eventName === 'Registered') as unknown as {
      args: { agentId: bigint; agentURI: string; owner: Address }
    }
    expect(registered.args).toEqual({
      agentId: 0n,
      agentURI: 'https://agent.example/one.json',
      owner: owner.address,
    })
    const walletSet = logs.find((log) => log.eventName === 'MetadataSet') as unknown as {
      args: { metadataKey: string; metadataValue: Hex }
    }
    expect(walletSet.args.metadataKey).toBe('agentWallet')
    expect(walletSet.args.metadataValue).toBe(owner.address.toLowerCase())
    expect(await register('ipfs://second')).toBe(1n)
    const read = (functionName: string, args: readonly unknown[]) =>
      reader().readContract({ ...identity(), functionName, args } as never)
    expect(await read('ownerOf', [0n])).toBe(owner.address)
    expect(await read('tokenURI', [0n])).toBe('https://agent.example/one.json')
    expect(await read('getAgentWallet', [0n])).toBe(owner.address)
    expect(await read('balanceOf', [owner.address])).toBe(2n)
    expect(await revertOf(owner, identity(), 'ownerOf', [99n])).toBe('ERC721NonexistentToken')
    expect(await revertOf(owner, identity(), 'isAuthorizedOrOwner', [owner.address, 99n])).toBe(
      'ERC721NonexistentToken',
    )
  })

  it('keeps metadata, refuses the reserved key, and lets only the owner or an operator write', async () => {
    const entries = [{ metadataKey: 'skills', metadataValue: toHex('search,summarise') }]
    const logs = await send(owner, identity(), 'register', ['ipfs://meta', entries])
    const agentId = (
      logs.find((log) => log.eventName === 'Registered') as never as {
        args: { agentId: bigint }
      }
    ).args.agentId
    expect(
      await reader().readContract({
        ...identity(),
        functionName: 'getMetadata',
        args: [agentId, 'skills'],
      }),
    ).toBe(toHex('search,summarise'))
    expect(
      await revertOf(owner, identity(), 'register', [
        'ipfs://x',
        [{ metadataKey: 'agentWallet', metadataValue: '0x01' }],
      ]),
    ).toBe('reserved key')
    expect(await revertOf(owner, identity(), 'setMetadata', [agentId, 'agentWallet', '0x01'])).toBe(
      'reserved key',
    )
    expect(await revertOf(reviewer, identity(), 'setMetadata', [agentId, 'k', '0x01'])).toBe(
      'Not authorized',
    )
    expect(await revertOf(reviewer, identity(), 'setAgentURI', [agentId, 'ipfs://y'])).toBe(
      'Not authorized',
    )
    await send(owner, identity(), 'setApprovalForAll', [operator.address, true])
    const updated = await send(operator, identity(), 'setAgentURI', [agentId, 'ipfs://by-operator'])
    expect(updated.some((log) => log.eventName === 'URIUpdated')).toBe(true)
    expect(
      await reader().readContract({ ...identity(), functionName: 'tokenURI', args: [agentId] }),
    ).toBe('ipfs://by-operator')
    await send(owner, identity(), 'setApprovalForAll', [operator.address, false])
  })

  it('sets the agent wallet only with that wallet’s signature, within five minutes', async () => {
    const agentId = await register('ipfs://wallet')
    // The struct's typehash is the one ERC-8004 publishes.
    expect(
      keccak256(
        toHex('AgentWalletSet(uint256 agentId,address newWallet,address owner,uint256 deadline)'),
      ),
    ).toBe('0x678b53cd718d595370ab070ebf48edfdcd834beac116bf23e625fc7f4d5b7d32')
    const deadline = (await now()) + 120n
    const byOwner = await walletSetSignature(owner, agentId, agentWallet.address, deadline)
    expect(
      await revertOf(owner, identity(), 'setAgentWallet', [
        agentId,
        agentWallet.address,
        deadline,
        byOwner,
      ]),
    ).toBe('invalid wallet sig')
    const signed = await walletSetSignature(agentWallet, agentId, agentWallet.address, deadline)
    expect(
      await revertOf(reviewer, identity(), 'setAgentWallet', [
        agentId,
        agentWallet.address,
        deadline,
        signed,
      ]),
    ).toBe('Not authorized')
    const far = (await now()) + 400n
    expect(
      await revertOf(owner, identity(), 'setAgentWallet', [
        agentId,
        agentWallet.address,
        far,
        await walletSetSignature(agentWallet, agentId, agentWallet.address, far),
      ]),
    ).toBe('deadline too far')
    const past = (await now()) - 1n
    expect(
      await revertOf(owner, identity(), 'setAgentWallet', [
        agentId,
        agentWallet.address,
        past,
        await walletSetSignature(agentWallet, agentId, agentWallet.address, past),
      ]),
    ).toBe('expired')
    expect(
      await revertOf(owner, identity(), 'setAgentWallet', [agentId, zeroAddress, deadline, signed]),
    ).toBe('bad wallet')
    await send(owner, identity(), 'setAgentWallet', [
      agentId,
      agentWallet.address,
      deadline,
      signed,
    ])
    expect(
      await reader().readContract({
        ...identity(),
        functionName: 'getAgentWallet',
        args: [agentId],
      }),
    ).toBe(agentWallet.address)
    await send(owner, identity(), 'unsetAgentWallet', [agentId])
    expect(
      await reader().readContract({
        ...identity(),
        functionName: 'getAgentWallet',
        args: [agentId],
      }),
    ).toBe(zeroAddress)
  })

  it('accepts a contract wallet through ERC-1271', async () => {
    const agentId = await register('ipfs://smart')
    const hash = await wallet(owner).deployContract({
      abi: testSmartWalletAbi,
      bytecode: testSmartWalletBytecode,
      args: [agentWallet.address],
    })
    const smart = getAddress((await reader().waitForTransactionReceipt({ hash })).contractAddress!)
    const deadline = (await now()) + 120n
    // The wallet's owner signs the digest itself: the test wallet's rule.
    const signature = await walletSetSignature(agentWallet, agentId, smart, deadline)
    await send(owner, identity(), 'setAgentWallet', [agentId, smart, deadline, signature])
    expect(
      await reader().readContract({
        ...identity(),
        functionName: 'getAgentWallet',
        args: [agentId],
      }),
    ).toBe(smart)
  })

  it('clears the agent wallet when the agent changes hands', async () => {
    const agentId = await register('ipfs://sold')
    const logs = await send(owner, identity(), 'transferFrom', [
      owner.address,
      reviewer.address,
      agentId,
    ])
    const cleared = logs.find((log) => log.eventName === 'MetadataSet') as never as {
      args: { metadataKey: string; metadataValue: Hex }
    }
    expect(cleared.args).toMatchObject({ metadataKey: 'agentWallet', metadataValue: '0x' })
    expect(
      await reader().readContract({
        ...identity(),
        functionName: 'getAgentWallet',
        args: [agentId],
      }),
    ).toBe(zeroAddress)
    expect(
      await revertOf(owner, identity(), 'transferFrom', [
        owner.address,
        validator.address,
        agentId,
      ]),
    ).toBe('ERC721InsufficientApproval')
  })
})

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
    const feedback = logs.find((log) => log.eventName === 'NewFeedback') as never as {
      args: Record<string, unknown>
    }
    expect(feedback.args).toMatchObject({
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
