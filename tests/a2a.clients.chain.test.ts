/**
 * `hireAgent`, our A2A client, pays within the same policy and spending store as the HTTP and MCP
 * payers: our merchant agent (standalone and embedded AP2-cart flows), and a merchant written from
 * the spec on `@a2a-js/sdk` with the official facilitator client. A price over the cap is refused
 * before anything is signed. A merchant killed in the middle of a paid task, restarted on the same
 * folders, finishes it when the same payment comes again, and charges it once.
 */
import { mkdtemp, readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { TaskState } from '@a2a-js/sdk'
import { ServiceParameters, withA2AExtensions } from '@a2a-js/sdk/client'
import {
  chainOf,
  connectAgent,
  createOpenMandate,
  dataOf,
  generateMandateKeys,
  hireAgent,
  x402MetadataKeys as keys,
  mandateCheck,
  mandatePayer,
  message,
  textPart,
  x402ExtensionUri,
} from '@tollgate/a2a'
import type { PaymentOutcome } from '@tollgate/client'
import { isTollgateError } from '@tollgate/core'
import { exactEvmClient } from '@tollgate/evm'
import { parseSpendingPolicy, SpendStore, spendingGuard } from '@tollgate/wallet'
import type { DevStack } from 'tollgate'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type A2aMerchant, startA2aMerchant } from './support/a2aMerchant.ts'
import { spawnA2aMerchant } from './support/spawnA2aMerchant.ts'
import { freePort } from './support/spawnPaidServer.ts'
import { startSpecMerchant } from './support/specMerchant.ts'
import { payerAccount, startTestStack, transferCount } from './support/stack.ts'

let stack: DevStack
let store: SpendStore
const merchants: A2aMerchant[] = []
const closers: Array<() => Promise<void>> = []

beforeAll(async () => {
  stack = await startTestStack()
  store = await SpendStore.open()
})
afterAll(async () => {
  for (const merchant of merchants) await merchant.close()
  for (const close of closers) await close()
  await store?.close()
  await stack?.stop()
})

const debits = () =>
  transferCount(
    stack.manifest,
    stack.manifest.accounts.payer.address,
    stack.manifest.accounts.merchant.address,
  )

function payer(maxPayment = '$0.01', outcomes: PaymentOutcome[] = []) {
  const { manifest } = stack
  return {
    schemes: [
      exactEvmClient({
        signer: payerAccount(manifest),
        assets: { [manifest.network]: manifest.asset },
      }),
    ],
    spending: spendingGuard({ store, policy: parseSpendingPolicy({ maxPayment }) }),
    onOutcome: (outcome: PaymentOutcome) => outcomes.push(outcome),
    // Long enough to outlast a merchant's restart on a loaded machine (the crash test restarts one).
    retry: { attempts: 12, delayMs: 300, maxDelayMs: 2000 },
  }
}

async function ourMerchant(
  flow: 'standalone' | 'embedded' = 'standalone',
  runs: string[] = [],
  checks: Parameters<typeof startA2aMerchant>[3] = {},
) {
  const folder = await mkdtemp(join(tmpdir(), 'tollgate-a2a-'))
  const merchant = await startA2aMerchant(
    stack.manifest,
    folder,
    async (task) => {
      runs.push(task.text)
      return { text: 'Answered.', artifacts: [{ name: 'answer', text: `Answer to: ${task.text}` }] }
    },
    { flow, merchantName: 'Research Co', ...checks },
  )
  merchants.push(merchant)
  return merchant
}

describe('hireAgent', () => {
  it('pays our merchant agent and records the payment in the spending store', async () => {
    const merchant = await ourMerchant()
    const before = await debits()
    const client = await connectAgent(merchant.url)
    const hired = await hireAgent(client, 'What does x402 settle on?', payer())
    expect(hired.task?.status?.state).toBe(TaskState.TASK_STATE_COMPLETED)
    expect(hired.text).toContain('Answer to: What does x402 settle on?')
    expect(hired.outcome).toMatchObject({ state: 'settled', attempts: 1 })
    expect(hired.receipt).toMatchObject({ success: true, network: stack.manifest.network })
    expect(await debits()).toBe(before + 1)
    const [record] = await store.list({ limit: 1 })
    expect(record).toMatchObject({ state: 'settled', url: merchant.url })
  })

  it('pays through an AP2 cart in the embedded flow', async () => {
    const runs: string[] = []
    const merchant = await ourMerchant('embedded', runs)
    const before = await debits()
    const client = await connectAgent(merchant.url)
    const first = await client.sendMessage(
      {
        tenant: '',
        message: message('user', [textPart('peek')]),
        configuration: undefined,
        metadata: undefined,
      },
      { serviceParameters: ServiceParameters.create(withA2AExtensions(x402ExtensionUri)) },
    )
    // The cart, not the status, carries the request in this flow.
    if (!('status' in first)) throw new Error('expected a task')
    expect(first.status?.message?.metadata?.[keys.status]).toBe('payment-required')
    expect(first.status?.message?.metadata?.[keys.required]).toBeUndefined()
    expect(dataOf(first.artifacts[0])[0]).toHaveProperty(
      ['ap2.mandates.CartMandate', 'contents', 'merchant_name'],
      'Research Co',
    )
    expect(runs).toEqual([])
    const hired = await hireAgent(client, 'Embedded question', payer())
    expect(hired.outcome?.state).toBe('settled')
    expect(hired.text).toContain('Answer to: Embedded question')
    expect(runs).toEqual(['Embedded question'])
    expect(await debits()).toBe(before + 1)
  })

  it('pays a merchant written from the spec on the SDK with the official facilitator client', async () => {
    const spec = await startSpecMerchant(stack.manifest, closers)
    const before = await debits()
    const hired = await hireAgent(await connectAgent(spec.url), 'Spec question', payer())
    expect(hired.outcome?.state).toBe('settled')
    expect(hired.text).toContain('spec answer')
    expect(spec.served).toEqual(['Spec question'])
    expect(await debits()).toBe(before + 1)
  })

  it('refuses a price over the cap before signing; the merchant does no work', async () => {
    const runs: string[] = []
    const merchant = await ourMerchant('standalone', runs)
    const before = await debits()
    const refused = await hireAgent(
      await connectAgent(merchant.url),
      'Too dear',
      payer('$0.0005'),
    ).catch((error) => error)
    expect(isTollgateError(refused) && refused.code).toBe('POLICY_REFUSED')
    expect(String(refused.message)).toMatch(/0\.001|cap|maximum/i)
    expect(runs).toEqual([])
    expect(await debits()).toBe(before)
  })
})

describe('a merchant agent killed in the middle of a paid task', () => {
  it('finishes the task after a restart on the same payment, and charges once', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'tollgate-a2a-crash-'))
    const runsFile = join(folder, 'runs.txt')
    const port = await freePort()
    const settings = { manifest: stack.manifest, folder, port, runsFile }
    const first = await spawnA2aMerchant({ ...settings, crashInWork: true })
    const before = await debits()
    const outcomes: PaymentOutcome[] = []
    const client = await connectAgent(first.url)
    const hiring = hireAgent(client, 'Survive a crash', payer('$0.01', outcomes))
    expect(await first.exited).toBe('SIGKILL')
    const second = await spawnA2aMerchant(settings)
    closers.push(async () => void (await second.stop()))
    const hired = await hiring
    expect(hired.outcome?.state).toBe('settled')
    expect(hired.outcome?.attempts).toBeGreaterThan(1)
    expect(hired.text).toContain('Report: Survive a crash')
    expect((await readFile(runsFile, 'utf8')).trim().split('\n')).toEqual([
      'Survive a crash',
      'Survive a crash',
    ])
    expect(await debits()).toBe(before + 1)
    expect(outcomes).toHaveLength(1)
  })
})

describe('an AP2 mandate between the owner, the agent and the merchant', () => {
  async function mandated() {
    const owner = await generateMandateKeys()
    const agent = await generateMandateKeys()
    const mandate = await createOpenMandate({
      owner,
      agentKey: agent.publicJwk,
      budget: { amount: 1, currency: 'USD' },
      payees: [{ id: stack.manifest.accounts.merchant.address }],
      expiresAt: new Date(Date.now() + 3_600_000),
    })
    return { owner, agent, mandate }
  }

  it('pays a merchant that checks the binding; a tampered mandate is refused and not charged', async () => {
    const runs: string[] = []
    const merchant = await ourMerchant('standalone', runs, { checks: [mandateCheck()] })
    const { agent, mandate } = await mandated()
    const bound = await mandatePayer({
      mandate,
      agentKey: agent.privateJwk,
      spending: payer().spending,
    })
    const before = await debits()
    const hired = await hireAgent(await connectAgent(merchant.url), 'Bound question', {
      ...payer(),
      ...bound,
    })
    expect(hired.outcome?.state).toBe('settled')
    expect(runs).toEqual(['Bound question'])
    expect(await debits()).toBe(before + 1)

    // Another owner's open mandate put in front of the agent's closed one.
    const other = await mandated()
    const tampering = {
      ...bound,
      bind: async (...args: Parameters<NonNullable<typeof bound.bind>>) => {
        const binding = await bound.bind!(...args)
        const chain = (binding!.extensions!['ap2-mandate'] as { payment_mandate_chain: string })
          .payment_mandate_chain
        const forged = `${other.mandate}~${chain.split('~~')[1]}`
        return { ...binding, extensions: { 'ap2-mandate': { payment_mandate_chain: forged } } }
      },
    }
    const refused = await hireAgent(await connectAgent(merchant.url), 'Tampered question', {
      ...payer(),
      ...tampering,
    })
    expect(refused.task?.status?.state).toBe(TaskState.TASK_STATE_FAILED)
    expect(refused.outcome).toMatchObject({
      state: 'failed',
      reason: 'ap2_mandate_signature_invalid',
    })
    expect(runs).toEqual(['Bound question'])
    expect(await debits()).toBe(before + 1)
  })

  it('refuses, unsigned, a payment to a payee outside the mandate', async () => {
    const merchant = await ourMerchant('standalone', [], { checks: [mandateCheck()] })
    const owner = await generateMandateKeys()
    const agent = await generateMandateKeys()
    const mandate = await createOpenMandate({
      owner,
      agentKey: agent.publicJwk,
      payees: [{ id: '0x000000000000000000000000000000000000dEaD' }],
      expiresAt: new Date(Date.now() + 3_600_000),
    })
    const signedBefore: string[] = []
    const options = { ...payer(), ...(await mandatePayer({ mandate, agentKey: agent.privateJwk })) }
    const refused = await hireAgent(await connectAgent(merchant.url), 'Elsewhere', {
      ...options,
      onPayment: (payment) => signedBefore.push(chainOf(payment) ?? ''),
    }).catch((error) => error)
    expect(isTollgateError(refused) && refused.reason).toBe('ap2_mandate_payee_not_allowed')
    expect(signedBefore).toEqual([])
  })
})
