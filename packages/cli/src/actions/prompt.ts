import { createInterface } from 'node:readline/promises'
import { Writable } from 'node:stream'
import { UserError } from '../ui.ts'

/** Reads a password at a terminal without echoing it; elsewhere there is nobody to ask. */
export async function promptHidden(question: string): Promise<string> {
  if (!process.stdin.isTTY)
    throw new UserError('no keystore password', 'set TOLLGATE_KEYSTORE_PASSWORD')
  const muted = new Writable({ write: (_chunk, _encoding, done) => done() })
  process.stderr.write(question)
  const reader = createInterface({ input: process.stdin, output: muted, terminal: true })
  try {
    return await reader.question('')
  } finally {
    reader.close()
    process.stderr.write('\n')
  }
}
