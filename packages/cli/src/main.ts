import { Command } from 'commander'
import { registerDemo } from './commands/demo.ts'
import { registerDev } from './commands/dev.ts'
import { registerDiscover } from './commands/discover.ts'
import { registerFacilitator } from './commands/facilitator.ts'
import { registerLedger } from './commands/ledger.ts'
import { registerMcp } from './commands/mcp.ts'
import { registerPay } from './commands/pay.ts'
import { registerWallet } from './commands/wallet.ts'
import { reportFailure } from './ui.ts'

const program = new Command()
  .name('tollgate')
  .description('HTTP 402 payments for APIs and AI agents, on the x402 protocol')
  .version('0.1.0')
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

try {
  await program.parseAsync(process.argv)
} catch (error) {
  reportFailure(error)
  process.exitCode = 1
}
