import {
  agentIdentityRegistryAbi,
  agentReputationRegistryAbi,
  agentValidationRegistryAbi,
} from '@tollgate/contracts'
import { TollgateError } from '@tollgate/core'
import {
  type Account,
  type Address,
  type Chain,
  getAddress,
  type Hex,
  type LocalAccount,
  type PublicClient,
  parseEventLogs,
  type Transport,
  type WalletClient,
  zeroAddress,
} from 'viem'
import { agentWalletTypedData } from './agentWallet.ts'
import { type FetchContentOptions, fetchContent } from './content.ts'
import { contentHash, type FeedbackFile, feedbackFileBytes } from './feedbackFile.ts'
import { fromFixedPoint, toFixedPoint } from './fixedPoint.ts'
import { parseRegistrationFile, type RegistrationFile } from './registrationFile.ts'
import { revertName, sendContract } from './send.ts'
import type { AgentIdentity, FeedbackRecord, Registries, Reputation } from './types.ts'

export interface TrustClientOptions extends FetchContentOptions {
  publicClient: PublicClient<Transport, Chain>
  /** Signs registrations, feedback and validation calls; reads need none. */
  walletClient?: WalletClient<Transport, Chain, Account> | undefined
  registries: Registries
  /** First block searched for feedback events. @default 0n */
  logsFromBlock?: bigint | undefined
}

/** The reputation and validation registries' ABIs with the identity errors its calls bubble up, so they decode. */
const identityErrors = agentIdentityRegistryAbi.filter((item) => item.type === 'error')
const reputationAbi = [...agentReputationRegistryAbi, ...identityErrors]
const validationAbi = [...agentValidationRegistryAbi, ...identityErrors]

/**
 * ERC-8004 for one chain, on viem: identities and their registration files, agent wallets,
 * feedback whose file is published and hashed byte for byte, reputation over reviewers the
 * caller names, and validations.
 */
export class TrustClient {
  readonly registries: Registries
  readonly #public: PublicClient<Transport, Chain>
  readonly #wallet: WalletClient<Transport, Chain, Account> | undefined
  readonly #fetch: FetchContentOptions
  readonly #logsFromBlock: bigint

  constructor(options: TrustClientOptions) {
    const { publicClient, walletClient, registries, logsFromBlock, ...fetch } = options
    this.registries = registries
    this.#public = publicClient
    this.#wallet = walletClient
    this.#fetch = fetch
    this.#logsFromBlock = logsFromBlock ?? 0n
  }

  get chainId(): number {
    return this.#public.chain.id
  }

  get agentRegistry(): string {
    return `eip155:${this.chainId}:${getAddress(this.registries.identityRegistry)}`
  }

  /** Mints an agent whose URI points at its registration file; the caller becomes its owner. */
  async register(
    agentURI: string,
    metadata: ReadonlyArray<{ key: string; value: Hex }> = [],
  ): Promise<{ agentId: bigint; transaction: Hex }> {
    const entries = metadata.map(({ key, value }) => ({ metadataKey: key, metadataValue: value }))
    const { logs, transaction } = await this.#send(
      this.registries.identityRegistry,
      agentIdentityRegistryAbi,
      'register',
      [agentURI, entries],
    )
    const registered = parseEventLogs({
      abi: agentIdentityRegistryAbi,
      logs,
      eventName: 'Registered',
    })[0]
    if (!registered) throw new TollgateError('TRUST_AGENT_NOT_FOUND', 'no Registered event')
    return { agentId: registered.args.agentId, transaction }
  }

  async setAgentURI(agentId: bigint, agentURI: string): Promise<Hex> {
    return (
      await this.#send(this.registries.identityRegistry, agentIdentityRegistryAbi, 'setAgentURI', [
        agentId,
        agentURI,
      ])
    ).transaction
  }

  /**
   * Names `wallet` as the agent's wallet. The wallet signs its consent (EIP-712 `AgentWalletSet`,
   * valid for at most five minutes); the owner's wallet client sends it.
   */
  async setAgentWallet(
    agentId: bigint,
    wallet: Pick<LocalAccount, 'address' | 'signTypedData'>,
    deadlineSeconds = 240,
  ): Promise<Hex> {
    const agent = await this.agent(agentId)
    const block = await this.#public.getBlock()
    const deadline = block.timestamp + BigInt(deadlineSeconds)
    const signature = await wallet.signTypedData(
      agentWalletTypedData({
        chainId: this.chainId,
        identityRegistry: this.registries.identityRegistry,
        agentId,
        newWallet: wallet.address,
        owner: agent.owner,
        deadline,
      }),
    )
    return (
      await this.#send(
        this.registries.identityRegistry,
        agentIdentityRegistryAbi,
        'setAgentWallet',
        [agentId, wallet.address, deadline, signature],
      )
    ).transaction
  }

  /** @throws TollgateError `TRUST_AGENT_NOT_FOUND` for an id the registry never minted. */
  async agent(agentId: bigint): Promise<AgentIdentity> {
    const read = (functionName: 'ownerOf' | 'tokenURI' | 'getAgentWallet') =>
      this.#public.readContract({
        address: this.registries.identityRegistry,
        abi: agentIdentityRegistryAbi,
        functionName,
        args: [agentId],
      })
    try {
      const [owner, agentURI, wallet] = await Promise.all([
        read('ownerOf'),
        read('tokenURI'),
        read('getAgentWallet'),
      ])
      return {
        agentId,
        agentRegistry: this.agentRegistry,
        owner: owner as Address,
        agentURI: agentURI as string,
        wallet: wallet === zeroAddress ? undefined : (wallet as Address),
      }
    } catch (error) {
      if (revertName(error) === 'ERC721NonexistentToken')
        throw new TollgateError(
          'TRUST_AGENT_NOT_FOUND',
          `agent ${agentId} is not registered in ${this.agentRegistry}`,
        )
      throw error
    }
  }

  /** The agent's registration file, fetched from its URI and read. */
  async registration(agentId: bigint): Promise<RegistrationFile> {
    const { agentURI } = await this.agent(agentId)
    return parseRegistrationFile(await fetchContent(agentURI, this.#fetch))
  }

  /**
   * Rates an agent. The file (ERC-8004's feedback file, usually with `proofOfPayment`) is
   * published first with `publish`, and its exact bytes are what `feedbackHash` commits to.
   */
  async giveFeedback(input: {
    agentId: bigint
    value: string | number
    tag1?: string
    tag2?: string
    endpoint?: string
    /** Extra fields of the file: `proofOfPayment`, `mcp`, `a2a`, … */
    file?: Partial<FeedbackFile>
    publish: (bytes: Uint8Array) => Promise<string>
  }): Promise<{ feedbackIndex: bigint; transaction: Hex; feedbackURI: string; feedbackHash: Hex }> {
    const client = this.#walletClient().account.address
    const point = toFixedPoint(input.value)
    const file: FeedbackFile = {
      agentRegistry: this.agentRegistry,
      agentId: Number(input.agentId),
      clientAddress: `eip155:${this.chainId}:${client}`,
      createdAt: new Date().toISOString(),
      value: fromFixedPoint(point),
      valueDecimals: point.decimals,
      ...(input.tag1 ? { tag1: input.tag1 } : {}),
      ...(input.tag2 ? { tag2: input.tag2 } : {}),
      ...(input.endpoint ? { endpoint: input.endpoint } : {}),
      ...input.file,
    }
    const bytes = feedbackFileBytes(file)
    const feedbackURI = await input.publish(bytes)
    const feedbackHash = contentHash(bytes)
    const { logs, transaction } = await this.#send(
      this.registries.reputationRegistry,
      reputationAbi,
      'giveFeedback',
      [
        input.agentId,
        point.value,
        point.decimals,
        input.tag1 ?? '',
        input.tag2 ?? '',
        input.endpoint ?? '',
        feedbackURI,
        feedbackHash,
      ],
    )
    const event = parseEventLogs({
      abi: agentReputationRegistryAbi,
      logs,
      eventName: 'NewFeedback',
    })[0]
    if (!event) throw new TollgateError('TRUST_FEEDBACK_NOT_FOUND', 'no NewFeedback event')
    return { feedbackIndex: event.args.feedbackIndex, transaction, feedbackURI, feedbackHash }
  }

  /** One feedback: its stored value and tags, and the URI and hash its event carries. */
  async feedback(agentId: bigint, client: Address, feedbackIndex: bigint): Promise<FeedbackRecord> {
    let stored: readonly [bigint, number, string, string, boolean]
    try {
      stored = await this.#public.readContract({
        address: this.registries.reputationRegistry,
        abi: agentReputationRegistryAbi,
        functionName: 'readFeedback',
        args: [agentId, client, feedbackIndex],
      })
    } catch (error) {
      if (revertName(error) === 'index out of bounds' || revertName(error) === 'index must be > 0')
        throw new TollgateError(
          'TRUST_FEEDBACK_NOT_FOUND',
          `${client} left no feedback ${feedbackIndex} for agent ${agentId}`,
        )
      throw error
    }
    const events = await this.#public.getContractEvents({
      address: this.registries.reputationRegistry,
      abi: agentReputationRegistryAbi,
      eventName: 'NewFeedback',
      args: { agentId, clientAddress: client },
      fromBlock: this.#logsFromBlock,
    })
    const event = events.find((log) => log.args.feedbackIndex === feedbackIndex)
    const [rawValue, valueDecimals, tag1, tag2, isRevoked] = stored
    return {
      agentId,
      client: getAddress(client),
      feedbackIndex,
      value: fromFixedPoint({ value: rawValue, decimals: valueDecimals }),
      rawValue,
      valueDecimals,
      tag1,
      tag2,
      isRevoked,
      endpoint: event?.args.endpoint ?? '',
      feedbackURI: event?.args.feedbackURI ?? '',
      feedbackHash: event?.args.feedbackHash ?? `0x${'00'.repeat(32)}`,
      transaction: event?.transactionHash ?? undefined,
    }
  }

  /**
   * The agent's average rating by the reviewers the caller trusts. The list is required: anyone
   * can rate an agent, so a summary over all reviewers is a summary over whoever paid for Sybils.
   * @throws TollgateError `TRUST_REVIEWERS_REQUIRED` for an empty list.
   */
  async reputation(
    agentId: bigint,
    options: { reviewers: readonly Address[]; tag1?: string; tag2?: string },
  ): Promise<Reputation> {
    if (options.reviewers.length === 0)
      throw new TollgateError(
        'TRUST_REVIEWERS_REQUIRED',
        'name the reviewers whose feedback counts: a summary over everyone is open to Sybil reviews',
      )
    const [count, summaryValue, valueDecimals] = await this.#public.readContract({
      address: this.registries.reputationRegistry,
      abi: agentReputationRegistryAbi,
      functionName: 'getSummary',
      args: [agentId, [...options.reviewers], options.tag1 ?? '', options.tag2 ?? ''],
    })
    return {
      count: Number(count),
      value: fromFixedPoint({ value: summaryValue, decimals: valueDecimals }),
      summaryValue,
      valueDecimals,
    }
  }

  /** Asks `validator` to check a piece of work committed to by `requestHash`. */
  async requestValidation(input: {
    validator: Address
    agentId: bigint
    requestURI: string
    requestHash: Hex
  }): Promise<Hex> {
    return (
      await this.#send(this.#validationRegistry(), validationAbi, 'validationRequest', [
        input.validator,
        input.agentId,
        input.requestURI,
        input.requestHash,
      ])
    ).transaction
  }

  /** The validator's answer, 0 (failed) to 100 (passed). */
  async respondValidation(input: {
    requestHash: Hex
    response: number
    responseURI?: string
    responseHash?: Hex
    tag?: string
  }): Promise<Hex> {
    return (
      await this.#send(this.#validationRegistry(), validationAbi, 'validationResponse', [
        input.requestHash,
        input.response,
        input.responseURI ?? '',
        input.responseHash ?? `0x${'00'.repeat(32)}`,
        input.tag ?? '',
      ])
    ).transaction
  }

  async validationStatus(requestHash: Hex) {
    const [validator, agentId, response, responseHash, tag, lastUpdate] =
      await this.#public.readContract({
        address: this.#validationRegistry(),
        abi: agentValidationRegistryAbi,
        functionName: 'getValidationStatus',
        args: [requestHash],
      })
    return { validator, agentId, response, responseHash, tag, lastUpdate }
  }

  /** Reads for `verifyFeedback`: the public client and content fetching this client uses. */
  get reader(): { publicClient: PublicClient<Transport, Chain>; fetch: FetchContentOptions } {
    return { publicClient: this.#public, fetch: this.#fetch }
  }

  #validationRegistry(): Address {
    const address = this.registries.validationRegistry
    if (!address)
      throw new TollgateError(
        'TRUST_REGISTRY_UNCONFIGURED',
        'no validation registry is configured (registries.validationRegistry)',
      )
    return address
  }

  #walletClient(): WalletClient<Transport, Chain, Account> {
    if (!this.#wallet)
      throw new TollgateError(
        'TRUST_SIGNER_REQUIRED',
        'this call needs a wallet client (walletClient)',
      )
    return this.#wallet
  }

  #send(address: Address, abi: readonly unknown[], functionName: string, args: readonly unknown[]) {
    return sendContract(this.#public, this.#walletClient(), { address, abi, functionName, args })
  }
}
