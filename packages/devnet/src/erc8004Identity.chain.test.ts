/**
 * Goal: the ERC-8004 registries the devnet places at the testnet addresses behave as the 2.0.0
 * registries do: ids from 0, the agent wallet set only with the new wallet's EIP-712 (or ERC-1271)
 * signature and cleared on transfer, feedback refused from the agent's own side, summaries only
 * over a named list of reviewers, validation answered only by the named validator.
 * Method: a fresh anvil and deployDevnet; calls and typed-data signatures through viem (not our
 * contracts' hashing), revert reasons and events read back from the chain.
 */

import { ERC8004_ADDRESSES, testSmartWalletAbi, testSmartWalletBytecode } from '@tollgate/contracts'
import { getAddress, keccak256, toHex, zeroAddress } from 'viem'
import { describe, expect, it } from 'vitest'
import {
  agentWallet,
  anvil,
  argsOf,
  contracts,
  identity,
  now,
  operator,
  owner,
  reader,
  register,
  reputation,
  revertOf,
  reviewer,
  send,
  useRegistries,
  validator,
  wallet,
  walletSetSignature,
} from './testing/erc8004Registries.ts'

useRegistries()

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
    expect(argsOf(logs, 'Registered')).toEqual({
      agentId: 0n,
      agentURI: 'https://agent.example/one.json',
      owner: owner.address,
    })
    expect(argsOf(logs, 'MetadataSet')).toMatchObject({
      metadataKey: 'agentWallet',
      metadataValue: owner.address.toLowerCase(),
    })
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
    const agentId = argsOf(logs, 'Registered').agentId as bigint
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
    expect(argsOf(logs, 'MetadataSet')).toMatchObject({
      metadataKey: 'agentWallet',
      metadataValue: '0x',
    })
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
