/**
 * The logging port: pino's call shape, so a pino logger plugs in as is. Libraries default to
 * the silent logger and never write to the console themselves.
 */
export interface Logger {
  info(fields: Record<string, unknown>, message: string): void
  warn(fields: Record<string, unknown>, message: string): void
  error(fields: Record<string, unknown>, message: string): void
}

export const silentLogger: Logger = {
  info() {},
  warn() {},
  error() {},
}
