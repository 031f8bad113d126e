import { z } from 'zod'
import { transactionBase64LengthMax } from './constants.ts'

/** The inner `payload` of an exact SVM payment: one partially signed v0 transaction. */
export const exactSvmPayloadSchema = z.object({
  transaction: z
    .string()
    .min(1)
    .max(transactionBase64LengthMax)
    .regex(/^[A-Za-z0-9+/]*={0,2}$/, 'not base64'),
})

export type ExactSvmPayload = z.infer<typeof exactSvmPayloadSchema>
