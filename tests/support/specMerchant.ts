import {
  AGENT_CARD_PATH,
  type AgentCard,
  type Message,
  Role,
  TaskState,
  type TaskStatus,
} from '@a2a-js/sdk'
import {
  AgentEvent,
  type AgentExecutor,
  DefaultRequestHandler,
  InMemoryTaskStore,
} from '@a2a-js/sdk/server'
import { agentCardHandler, jsonRpcHandler, UserBuilder } from '@a2a-js/sdk/server/express'
import { HTTPFacilitatorClient } from '@x402/core/server'
import express from 'express'
import type { DevManifest } from 'tollgate'
import { startExpress } from './officialParts.ts'
import { weatherRequirements } from './stack.ts'

/**
 * A merchant agent written straight from the a2a-x402 spec on `@a2a-js/sdk` and the official
 * `@x402/core` facilitator client, sharing no code with `@tollgate/a2a`: what our client must pay.
 */
export async function startSpecMerchant(
  manifest: DevManifest,
  closers: Array<() => Promise<void>>,
): Promise<{ url: string; served: string[] }> {
  const served: string[] = []
  const plain = weatherRequirements(manifest)
  const requirements = {
    ...plain,
    network: manifest.network as `${string}:${string}`,
    extra: plain.extra ?? {},
  }
  const facilitator = new HTTPFacilitatorClient({ url: manifest.facilitatorUrl })
  const say = (
    taskId: string,
    contextId: string,
    text: string,
    metadata: Record<string, unknown>,
  ): Message => ({
    messageId: crypto.randomUUID(),
    taskId,
    contextId,
    role: Role.ROLE_AGENT,
    parts: [
      { content: { $case: 'text', value: text }, metadata: undefined, filename: '', mediaType: '' },
    ],
    metadata,
    extensions: [],
    referenceTaskIds: [],
  })
  const state = (value: TaskState, message: Message): TaskStatus => ({
    state: value,
    message,
    timestamp: new Date().toISOString(),
  })
  const executor: AgentExecutor = {
    async execute(context, bus) {
      const { taskId, contextId } = context
      const metadata = context.userMessage.metadata ?? {}
      if (!context.task)
        bus.publish(
          AgentEvent.task({
            id: taskId,
            contextId,
            status: {
              state: TaskState.TASK_STATE_SUBMITTED,
              message: undefined,
              timestamp: new Date().toISOString(),
            },
            artifacts: [],
            history: [context.userMessage],
            metadata: undefined,
          }),
        )
      const update = (value: TaskState, text: string, meta: Record<string, unknown>) =>
        bus.publish(
          AgentEvent.statusUpdate({
            taskId,
            contextId,
            status: state(value, say(taskId, contextId, text, meta)),
            metadata: undefined,
          }),
        )
      if (metadata['x402.payment.status'] !== 'payment-submitted') {
        update(TaskState.TASK_STATE_INPUT_REQUIRED, 'Payment is required.', {
          'x402.payment.status': 'payment-required',
          'x402.payment.required': {
            x402Version: 2,
            resource: { url: 'a2a://spec-merchant' },
            accepts: [requirements],
          },
        })
      } else {
        const payload = metadata['x402.payment.payload']
        const verified = await facilitator.verify(
          payload as Parameters<typeof facilitator.verify>[0],
          requirements,
        )
        if (!verified.isValid) {
          update(TaskState.TASK_STATE_FAILED, 'Invalid payment.', {
            'x402.payment.status': 'payment-failed',
            'x402.payment.error': 'INVALID_SIGNATURE',
            'x402.payment.receipts': [
              {
                success: false,
                errorReason: verified.invalidReason,
                transaction: '',
                network: requirements.network,
              },
            ],
          })
        } else {
          const settled = await facilitator.settle(
            payload as Parameters<typeof facilitator.settle>[0],
            requirements,
          )
          served.push(
            context.task?.history[0]?.parts[0]?.content?.$case === 'text'
              ? String(context.task.history[0].parts[0].content.value)
              : '',
          )
          bus.publish(
            AgentEvent.artifactUpdate({
              taskId,
              contextId,
              artifact: {
                artifactId: 'answer',
                name: 'answer',
                description: '',
                parts: [
                  {
                    content: { $case: 'text', value: 'spec answer' },
                    metadata: undefined,
                    filename: '',
                    mediaType: '',
                  },
                ],
                metadata: undefined,
                extensions: [],
              },
              append: false,
              lastChunk: true,
              metadata: undefined,
            }),
          )
          update(
            settled.success ? TaskState.TASK_STATE_COMPLETED : TaskState.TASK_STATE_FAILED,
            'Done.',
            {
              'x402.payment.status': settled.success ? 'payment-completed' : 'payment-failed',
              'x402.payment.receipts': [settled],
            },
          )
        }
      }
      bus.finished()
    },
    async cancelTask() {},
  }
  // Express takes routes after it listens, so the card can name the real port.
  const app = express()
  const url = await startExpress(app, closers)
  const card: AgentCard = {
    name: 'Spec merchant',
    description: 'Written from the a2a-x402 spec',
    version: '1.0.0',
    provider: undefined,
    supportedInterfaces: [
      { url: `${url}/`, protocolBinding: 'JSONRPC', tenant: '', protocolVersion: '0.3' },
    ],
    capabilities: {
      streaming: false,
      pushNotifications: false,
      extensions: [
        {
          uri: 'https://github.com/google-a2a/a2a-x402/v0.1',
          description: 'x402',
          required: false,
          params: undefined,
        },
      ],
    },
    securitySchemes: {},
    securityRequirements: [],
    defaultInputModes: ['text/plain'],
    defaultOutputModes: ['text/plain'],
    skills: [],
    signatures: [],
  }
  const handler = new DefaultRequestHandler(card, new InMemoryTaskStore(), executor)
  app.use(`/${AGENT_CARD_PATH}`, agentCardHandler({ agentCardProvider: handler }))
  app.use(
    jsonRpcHandler({
      requestHandler: handler,
      userBuilder: UserBuilder.noAuthentication,
      legacyCompat: { enabled: true },
    }),
  )
  return { url, served }
}
