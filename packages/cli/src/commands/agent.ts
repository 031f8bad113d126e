import { type Command, InvalidArgumentError } from 'commander'
import { defaultManifestPath } from '../paths.ts'
import { lazy } from './lazy.ts'

const agentActions = async () => import('../actions/agent.ts')

function parseAgentId(value: string): string {
  if (!/^\d{1,78}$/.test(value)) throw new InvalidArgumentError('an agent id is a whole number')
  return value
}

function parseAddress(value: string, previous: string[] = []): string[] {
  if (!/^0x[0-9a-fA-F]{40}$/.test(value))
    throw new InvalidArgumentError(`${value} is not an address`)
  return [...previous, value]
}

/** Where the registries are: the dev manifest's, or given. */
function addChainOptions(command: Command): Command {
  return command
    .option('--rpc-url <url>', "the chain's JSON-RPC URL (default: the dev manifest's devnet)")
    .option('--identity-registry <address>', "ERC-8004 identity registry (default: the manifest's)")
    .option(
      '--reputation-registry <address>',
      "ERC-8004 reputation registry (default: the manifest's)",
    )
    .option('--json', 'print JSON')
    .option('--manifest <path>', 'dev manifest of the local stack', defaultManifestPath)
}

const keyHelp =
  'encrypted JSON keystore that signs (password from TOLLGATE_KEYSTORE_PASSWORD or a prompt); default: TOLLGATE_PRIVATE_KEY'

export function registerAgent(program: Command): void {
  const agent = program
    .command('agent')
    .description('ERC-8004 agent identities, feedback and reputation')
  addChainOptions(
    agent
      .command('register')
      .description('register an agent: publish its registration file and mint its identity')
      .requiredOption('--name <name>', "the agent's name")
      .option('--description <text>', 'what it does')
      .option('--x402 <url>', 'its paid HTTP API (listed as a web service, flagged x402Support)')
      .option('--a2a <url>', 'its A2A agent card')
      .option('--mcp <url>', 'its MCP endpoint')
      .option('--set-wallet', 'also make the signing key its agent wallet (it signs the consent)')
      .option(
        '--content-url <url>',
        "content store for the file (default: the manifest's; without one the file is a data: URI)",
      )
      .option('--keystore <file>', keyHelp),
  ).action(lazy(async () => (await agentActions()).registerAgentCommand))
  addChainOptions(
    agent
      .command('show')
      .description("an agent's owner, wallet and registration file")
      .argument('<agentId>', 'the agent id', parseAgentId),
  ).action(lazy(async () => (await agentActions()).showAgent))
  addChainOptions(
    agent
      .command('feedback')
      .description('rate an agent, resting the rating on a settled payment (--tx)')
      .argument('<agentId>', 'the agent id', parseAgentId)
      .requiredOption('--value <n>', 'the rating, e.g. 95 or 87.5')
      .option('--tx <hash>', 'the settled payment it rests on: its transfer becomes proofOfPayment')
      .option('--tag1 <tag>', 'first tag, e.g. x402')
      .option('--tag2 <tag>', 'second tag')
      .option('--endpoint <url>', 'the endpoint rated')
      .option('--content-url <url>', "content store for the file (default: the manifest's)")
      .option('--keystore <file>', keyHelp),
  ).action(lazy(async () => (await agentActions()).giveFeedbackCommand))
  addChainOptions(
    agent
      .command('reputation')
      .description("an agent's average rating by the reviewers you trust")
      .argument('<agentId>', 'the agent id', parseAgentId)
      .requiredOption(
        '--reviewer <address>',
        'a reviewer whose ratings count (repeat for more)',
        parseAddress,
      )
      .option('--tag1 <tag>', 'only ratings with this first tag')
      .option('--tag2 <tag>', 'only ratings with this second tag'),
  ).action(lazy(async () => (await agentActions()).showReputation))
}
