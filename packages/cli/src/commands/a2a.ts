import type { Command } from 'commander'
import { lazy } from './lazy.ts'
import { addWalletOptions } from './walletOptions.ts'

const mandateHelp = {
  mandate: 'an AP2 open payment mandate (from `tollgate mandate create`): pay only within it',
  agentKey: 'the agent key the mandate was made out to (default ~/.tollgate/mandate-agent.jwk)',
}

export function registerA2a(program: Command): void {
  const a2a = program.command('a2a').description('hire other agents over A2A, paying with x402')
  const send = a2a
    .command('send')
    .description('send a task to an A2A agent and pay its x402 price within your spending policy')
    .argument('<agent-url>', "the agent's URL (its base URL or its agent card's)")
    .argument('<text>', 'what to ask')
    .option('--mandate <file>', mandateHelp.mandate)
    .option('--agent-key <file>', mandateHelp.agentKey)
  addWalletOptions(send).action(lazy(async () => (await import('../actions/a2a.ts')).sendTask))
}

export function registerMandate(program: Command): void {
  const mandate = program
    .command('mandate')
    .description('AP2 payment mandates: what the owner allows an agent to pay')
  mandate
    .command('create')
    .description("sign an open payment mandate for an agent's key, as its owner")
    .requiredOption('--budget <usd>', 'most the agent may spend under it, in dollars')
    .option('--max <usd>', 'largest single payment, in dollars (default: the budget)')
    .option('--payee <address...>', 'addresses the agent may pay (default: any)')
    .option('--payments <count>', 'most payments the agent may make under it')
    .option('--expires <duration>', 'how long it lasts: 30m, 12h, 7d', '24h')
    .option('--owner-key <file>', "the owner's signing key (default ~/.tollgate/mandate-owner.jwk)")
    .option('--agent-key <file>', mandateHelp.agentKey)
    .option('--out <file>', 'where to write the mandate', 'mandate.sdjwt')
    .addHelpText(
      'after',
      '\nKeys that do not exist yet are created (P-256, readable only by you). The mandate is an\nSD-JWT (AP2 v0.2, mandate.payment.open.1); give it to `tollgate a2a send --mandate`.',
    )
    .action(lazy(async () => (await import('../actions/mandate.ts')).createMandate))
  mandate
    .command('show')
    .description("check a mandate's signature and print what it allows")
    .argument('<file>', 'the mandate file')
    .action(lazy(async () => (await import('../actions/mandate.ts')).showMandate))
}
