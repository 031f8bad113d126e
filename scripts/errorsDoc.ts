/**
 * Writes docs/ERRORS.md from the one code table in @tollgate/core (`npm run docs:errors`).
 * A test fails when the file and the table disagree.
 */
import { writeFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { errorCodes } from '@tollgate/core'

const origins = {
  spec: 'x402 v2 specification',
  reference: 'reference implementation',
  tollgate: 'Tollgate',
} as const

export function renderErrorsDoc(): string {
  const rows = Object.entries(errorCodes).map(
    ([code, entry]) =>
      `| \`${entry.reason}\` | \`${code}\` | ${entry.kind} | ${origins[entry.origin]} |`,
  )
  return `# Error and reason codes

Generated from \`packages/core/src/errors/codes.ts\` by \`npm run docs:errors\`; do not edit by hand.

Every rejection Tollgate puts on the wire carries one of these reasons (\`invalidReason\`,
\`errorReason\`, or \`error\` in a 402 body). Reasons from the specification and the reference
implementation are its strings, character for character. The few Tollgate adds name situations
the reference answers with free text or a 500.

## HTTP statuses

| Where | Situation | Status |
|---|---|---|
| facilitator \`/verify\`, \`/settle\` | the payment is rejected (any \`rejected\` or \`unsupported\` reason) | 200, \`isValid:false\` / \`success:false\` |
| facilitator | malformed body, unknown \`x402Version\`, malformed requirements | 400 |
| facilitator | body larger than the limit (64 KiB) | 413 |
| facilitator | API key missing or unknown, where keys are required (\`unauthorized\`) | 401 |
| facilitator | more requests than the rate limit allows (\`rate_limited\`) | 429, with \`Retry-After\` |
| facilitator | a \`payment-identifier\` id reused with another payment (\`payment_identifier_conflict\`) | 409 |
| facilitator | a required \`payment-identifier\` id missing (\`payment_identifier_required\`) | 400 |
| facilitator | RPC unreachable or failing (\`unexpected_verify_error\`, \`unexpected_settle_error\`) | 503, retry later |
| facilitator | settlement broadcast but not yet confirmed (\`settlement_pending\`, with the hash) | 200, settle the same payload again to keep waiting |
| resource server | no payment, invalid payment, payment for other terms, replayed payment | 402 with \`PAYMENT-REQUIRED\` (its \`error\` is the reason) |
| resource server | settlement failed or pending | 402 with \`PAYMENT-RESPONSE\` (\`success:false\`, the reason and any hash) |
| resource server | facilitator unreachable or lacking the route's network | 503, free routes unaffected |
| resource server | payment header larger than Node's header limit | 431 |

## Codes

| Reason (wire) | Code | Kind | From |
|---|---|---|---|
${rows.join('\n')}
`
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await writeFile(resolve(import.meta.dirname, '../docs/ERRORS.md'), renderErrorsDoc())
}
