/**
 * `tollgate agent …`: ERC-8004 from the command line, on the dev stack's registries (from its
 * manifest) or on any chain given by URL and addresses.
 */
import { existsSync } from 'node:fs'
import { readManifest } from '@tollgate/manifest'
import {
  proofOfPayment,
  publishContent,
  registerAgent,
  registrationFile,
  TrustClient,
} from '@tollgate/trust'
import {
  type Address,
  BaseError,
  createPublicClient,
  createWalletClient,
  defineChain,
  erc20Abi,
  type Hex,
  http,
  isAddressEqual,
  parseEventLogs,
} from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { defaultKeystorePath } from '../paths.ts'
import { asPrivateKey, keyFromKeystore } from '../secrets.ts'
import { bold, connectionFailure, dim, note, UserError } from '../ui.ts'
import { promptHidden } from './prompt.ts'

interface ChainOptions {
  rpcUrl?: string
  identityRegistry?: string
  reputationRegistry?: string
  json?: boolean
  manifest: string
}

interface WriteOptions extends ChainOptions {
  keystore?: string
  contentUrl?: string
}

interface Connection {
  trust: TrustClient
  contentUrl: string | undefined
  account?: ReturnType<typeof privateKeyToAccount>
}

async function connect(options: WriteOptions, signs: boolean): Promise<Connection> {
  const manifest = existsSync(options.manifest)
    ? await readManifest(options.manifest).catch(() => undefined)
    : undefined
  const rpcUrl = options.rpcUrl ?? manifest?.rpcUrl
  const identityRegistry = options.identityRegistry ?? manifest?.erc8004?.identityRegistry
  const reputationRegistry = options.reputationRegistry ?? manifest?.erc8004?.reputationRegistry
  if (!rpcUrl || !identityRegistry || !reputationRegistry)
    throw new UserError(
      'no ERC-8004 registries to use',
      'start the local stack with `tollgate dev`, or pass --rpc-url, --identity-registry and --reputation-registry',
    )
  const probe = createPublicClient({ transport: http(rpcUrl) })
  let chainId: number
  try {
    chainId = await probe.getChainId()
  } catch (error) {
    const failed =
      error instanceof BaseError ? error.walk((cause) => cause instanceof TypeError) : error
    throw new UserError(
      connectionFailure(failed, rpcUrl) ??
        `the chain at ${rpcUrl} did not answer: ${(error as Error).message.split('\n')[0]}`,
      'is the local stack running (`tollgate dev`)? Else pass --rpc-url',
    )
  }
  const chain = defineChain({
    id: chainId,
    name: `eip155:${chainId}`,
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [rpcUrl] } },
  })
  const account = signs ? privateKeyToAccount(await loadKey(options)) : undefined
  const trust = new TrustClient({
    publicClient: createPublicClient({ chain, transport: http(rpcUrl), pollingInterval: 200 }),
    walletClient: account
      ? createWalletClient({ account, chain, transport: http(rpcUrl) })
      : undefined,
    registries: {
      identityRegistry: identityRegistry as Address,
      reputationRegistry: reputationRegistry as Address,
    },
  })
  return {
    trust,
    contentUrl: options.contentUrl ?? manifest?.erc8004?.contentUrl,
    ...(account ? { account } : {}),
  }
}

async function loadKey(options: WriteOptions): Promise<Hex> {
  const keystore =
    options.keystore ?? (process.env.TOLLGATE_PRIVATE_KEY ? undefined : defaultKeystorePath())
  if (keystore) {
    if (!existsSync(keystore))
      throw new UserError(
        options.keystore ? `no keystore at ${options.keystore}` : 'no key to sign with',
        'set TOLLGATE_PRIVATE_KEY, pass --keystore <file>, or create one with `tollgate wallet create`',
      )
    const password =
      process.env.TOLLGATE_KEYSTORE_PASSWORD ?? (await promptHidden(`password for ${keystore}: `))
    return keyFromKeystore(keystore, password)
  }
  return asPrivateKey(process.env.TOLLGATE_PRIVATE_KEY ?? '', 'TOLLGATE_PRIVATE_KEY')
}

/** Publishes to the content store, or embeds the file as a data: URI without one. */
function publisher(contentUrl: string | undefined) {
  return async (bytes: Uint8Array) => {
    if (contentUrl) return (await publishContent(contentUrl, bytes)).uri
    return `data:application/json;base64,${Buffer.from(bytes).toString('base64')}`
  }
}

/** A URI as printed: a data: URI (the whole file) is cut, a link is shown whole. */
function shownUri(uri: string): string {
  return uri.startsWith('data:') && uri.length > 80 ? `${uri.slice(0, 80)}…` : uri
}

function print(json: boolean | undefined, value: unknown, lines: string[]): void {
  if (json)
    process.stdout.write(
      `${JSON.stringify(value, (_key, item) => (typeof item === 'bigint' ? item.toString() : item), 2)}\n`,
    )
  else for (const line of lines) process.stdout.write(`${line}\n`)
}

export async function registerAgentCommand(
  options: WriteOptions & {
    name: string
    description?: string
    x402?: string
    a2a?: string
    mcp?: string
    setWallet?: boolean
  },
): Promise<void> {
  const { trust, contentUrl, account } = await connect(options, true)
  if (!account) throw new UserError('no key to sign with')
  const services = [
    ...(options.a2a ? [{ name: 'A2A', endpoint: options.a2a, version: '0.3.0' }] : []),
    ...(options.mcp ? [{ name: 'MCP', endpoint: options.mcp }] : []),
  ]
  const input = {
    name: options.name,
    ...(options.description ? { description: options.description } : {}),
    ...(options.x402 ? { x402Endpoint: options.x402 } : {}),
    services,
  }
  // The file is checked before anything is minted.
  registrationFile(input)
  const registered = await registerAgent(trust, input, publisher(contentUrl))
  if (options.setWallet)
    registered.transactions.push(await trust.setAgentWallet(registered.agentId, account))
  print(
    options.json,
    { ...registered, agentRegistry: trust.agentRegistry, owner: account.address },
    [
      `${bold('registered')} agent ${registered.agentId} in ${trust.agentRegistry}`,
      `owner     ${account.address}`,
      `wallet    ${options.setWallet ? account.address : dim('not set (pass --set-wallet to use this key)')}`,
      `file      ${shownUri(registered.agentURI)}`,
      ...registered.transactions.map((hash) => `tx        ${hash}`),
    ],
  )
}

export async function showAgent(agentId: string, options: ChainOptions): Promise<void> {
  const { trust } = await connect(options, false)
  const identity = await trust.agent(BigInt(agentId))
  const file = await trust.registration(BigInt(agentId)).catch((error: Error) => error)
  const services = file instanceof Error ? [] : file.services
  print(
    options.json,
    { ...identity, registration: file instanceof Error ? { error: file.message } : file },
    [
      `${bold(file instanceof Error ? `agent ${agentId}` : file.name)} ${dim(`(${identity.agentRegistry}:${agentId})`)}`,
      `owner     ${identity.owner}`,
      `wallet    ${identity.wallet ?? dim('not set')}`,
      `file      ${shownUri(identity.agentURI)}`,
      ...(file instanceof Error ? [`          ${dim(file.message)}`] : []),
      ...services.map((service) => `service   ${service.name} ${service.endpoint}`),
    ],
  )
}

export async function giveFeedbackCommand(
  agentId: string,
  options: WriteOptions & {
    value: string
    tx?: string
    tag1?: string
    tag2?: string
    endpoint?: string
  },
): Promise<void> {
  const { trust, contentUrl } = await connect(options, true)
  const proof = options.tx
    ? await proofFromTransaction(trust, options.tx as Hex, BigInt(agentId))
    : undefined
  const given = await trust
    .giveFeedback({
      agentId: BigInt(agentId),
      value: options.value,
      ...(options.tag1 ? { tag1: options.tag1 } : {}),
      ...(options.tag2 ? { tag2: options.tag2 } : {}),
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
      ...(proof ? { file: { proofOfPayment: proof } } : {}),
      publish: publisher(contentUrl),
    })
    .catch((error: Error) => {
      // The registry's reason alone does not say what to do about it.
      if (/Self-feedback/.test(error.message))
        throw new UserError(
          `${error.message}: the signing key owns agent ${agentId} or operates it`,
          'rate it from another key, e.g. --keystore ~/.tollgate/keystore.json',
        )
      throw error
    })
  print(options.json, given, [
    `${bold('rated')} agent ${agentId} ${options.value} (feedback ${given.feedbackIndex})`,
    `file      ${shownUri(given.feedbackURI)}`,
    `hash      ${given.feedbackHash}`,
    `tx        ${given.transaction}`,
    ...(proof
      ? [`payment   ${proof.txHash} (${proof.fromAddress} → ${proof.toAddress})`]
      : [dim('no --tx: the rating rests on no payment, and readers may weigh it less')]),
  ])
}

/** The payment a transaction settled: its ERC-20 transfer into the agent's wallet or owner. */
async function proofFromTransaction(trust: TrustClient, hash: Hex, agentId: bigint) {
  const receipt = await trust.reader.publicClient
    .getTransactionReceipt({ hash })
    .catch(() => undefined)
  if (receipt?.status !== 'success')
    throw new UserError(`${hash} is not a successful transaction on this chain`)
  const transfers = parseEventLogs({ abi: erc20Abi, logs: receipt.logs, eventName: 'Transfer' })
  const identity = await trust.agent(agentId)
  const payees = [identity.owner, identity.wallet].filter(
    (payee): payee is Address => payee !== undefined,
  )
  const transfer =
    transfers.find((log) => payees.some((payee) => isAddressEqual(payee, log.args.to))) ??
    transfers[0]
  if (!transfer) throw new UserError(`${hash} moves no token, so it proves no payment`)
  return proofOfPayment({
    payer: transfer.args.from,
    payTo: transfer.args.to,
    chainId: trust.chainId,
    transaction: hash,
  })
}

export async function showReputation(
  agentId: string,
  options: ChainOptions & { reviewer: string[]; tag1?: string; tag2?: string },
): Promise<void> {
  const { trust } = await connect(options, false)
  const reputation = await trust.reputation(BigInt(agentId), {
    reviewers: options.reviewer as Address[],
    ...(options.tag1 ? { tag1: options.tag1 } : {}),
    ...(options.tag2 ? { tag2: options.tag2 } : {}),
  })
  if (!options.json && reputation.count === 0)
    note(
      options.reviewer.length === 1
        ? `${options.reviewer[0]} has not rated agent ${agentId}`
        : `none of these ${options.reviewer.length} reviewers has rated agent ${agentId}`,
    )
  print(options.json, reputation, [
    `agent ${agentId}: ${bold(reputation.value)} over ${reputation.count} rating${reputation.count === 1 ? '' : 's'} by ${options.reviewer.length} trusted reviewer${options.reviewer.length === 1 ? '' : 's'}`,
  ])
}
