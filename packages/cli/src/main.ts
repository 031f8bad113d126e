/**
 * The `tollgate` command. Only the command tree is loaded here; each command's module loads when
 * it runs, so help and quick commands start fast.
 */
import { Command } from 'commander'
import { registerA2a, registerMandate } from './commands/a2a.ts'
import { registerAgent } from './commands/agent.ts'
import { registerDemo, registerDev } from './commands/dev.ts'
import { registerFacilitator } from './commands/facilitator.ts'
import { registerMcp, registerPay } from './commands/pay.ts'
import { registerDiscover, registerLedger } from './commands/query.ts'
import { registerWallet } from './commands/wallet.ts'
import { reportFailure } from './ui.ts'
import { version } from './version.ts'

const program = new Command()
  .name('tollgate')
  .description('HTTP 402 payments for APIs and AI agents, on the x402 protocol')
  .version(version)
  .showHelpAfterError()
  // Options belong to the command they follow, so `facilitator keys add --database-url` reaches
  // `keys add` rather than `facilitator`, which has an option of the same name.
  .enablePositionalOptions()

registerDev(program)
registerDemo(program)
registerPay(program)
registerFacilitator(program)
registerLedger(program)
registerDiscover(program)
registerMcp(program)
registerWallet(program)
registerAgent(program)
registerA2a(program)
registerMandate(program)

try {
  await program.parseAsync(process.argv)
} catch (error) {
  reportFailure(error)
  process.exitCode = 1
}
