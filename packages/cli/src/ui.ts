/** Terminal output for people: progress and errors on stderr, results on stdout. */

const color = process.stderr.isTTY && !process.env.NO_COLOR
const paint = (code: number) => (text: string) => (color ? `\u001b[${code}m${text}\u001b[0m` : text)
export const bold = paint(1)
export const dim = paint(2)
export const green = paint(32)
export const red = paint(31)
export const cyan = paint(36)

export function step(text: string): void {
  process.stderr.write(`${dim('•')} ${text}\n`)
}

export function note(text: string): void {
  process.stderr.write(`${text}\n`)
}

/** A failure the user can act on: what went wrong, then what to do. */
export class UserError extends Error {
  override readonly name = 'UserError'
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message)
  }
}

export function reportFailure(error: unknown): void {
  const message = error instanceof Error ? error.message : String(error)
  process.stderr.write(`${red('error:')} ${message}\n`)
  if (error instanceof UserError && error.hint)
    process.stderr.write(`${dim('hint:')} ${error.hint}\n`)
}
