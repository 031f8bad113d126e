import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import type { PaymentOutcome } from '@tollgate/client'
import { z } from 'zod'
import { agentPayer, hireFromCli } from '../actions/a2a.ts'
import type { WalletMcpContext } from './context.ts'
import { answer, describePayment, messageOf, paymentFacts, refusal } from './toolResults.ts'

/** `hire_agent`: an LLM agent hires another agent over A2A and pays it from the wallet. */
export function registerA2aTool(server: McpServer, context: WalletMcpContext): void {
  const { wallet } = context
  server.registerTool(
    'hire_agent',
    {
      title: 'Hire another agent (A2A)',
      description:
        'Sends a task to another agent over A2A. When the agent asks for an x402 payment, pays it from the wallet within the owner’s spending policy (and AP2 mandate, when the owner gave one) and returns the agent’s answer with the receipt. A payment the policy does not allow is refused before anything is signed.',
      inputSchema: {
        url: z.url().describe('The agent’s URL (its base URL or its agent card’s)'),
        text: z.string().min(1).max(20_000).describe('What to ask the agent to do'),
      },
    },
    async ({ url, text }) => {
      let outcome: PaymentOutcome | undefined
      try {
        const payer = await agentPayer(
          wallet,
          {
            onOutcome: (finished) => {
              outcome = finished
            },
          },
          context.mandate ?? {},
        )
        const hired = await hireFromCli(url, text, payer)
        const payment = paymentFacts(hired.outcome ?? outcome, wallet.schemes)
        const structured = {
          url,
          ...(hired.task ? { taskId: hired.task.id, state: hired.task.status?.state } : {}),
          answer: hired.text,
          ...(payment ? { payment } : {}),
        }
        const result = answer(`${hired.text}\n\n${describePayment(payment)}`, structured)
        return hired.outcome && hired.outcome.state !== 'settled'
          ? { ...result, isError: true }
          : result
      } catch (error) {
        const payment = paymentFacts(outcome, wallet.schemes)
        return refusal(messageOf(error), payment ? { payment } : {})
      }
    },
  )
}
