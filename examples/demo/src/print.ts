/** Terminal output for the story: colour on a terminal only, and one place that writes. */
const colour = process.stdout.isTTY === true && !process.env.NO_COLOR

const paint = (code: number) => (text: string) =>
  colour ? `\u001b[${code}m${text}\u001b[0m` : text
export const bold = paint(1)
export const dim = paint(2)
export const green = paint(32)
export const cyan = paint(36)
export const yellow = paint(33)

export function line(text = ''): void {
  process.stdout.write(`${text}\n`)
}

export function heading(n: number, text: string): void {
  line(`\n${bold(`${n}. ${text}`)}`)
}

/** `0x1234…cdef`: enough of an address or hash to tell it apart. */
export function short(hex: string): string {
  return hex.length > 14 ? `${hex.slice(0, 8)}…${hex.slice(-6)}` : hex
}

/** Atomic units of a 6-decimal token as dollars: 2000 → $0.002. */
export function usd(atomic: bigint | string, decimals = 6): string {
  const value = typeof atomic === 'bigint' ? atomic : BigInt(atomic)
  const whole = value / 10n ** BigInt(decimals)
  const fraction = (value % 10n ** BigInt(decimals))
    .toString()
    .padStart(decimals, '0')
    .replace(/0+$/, '')
  return `$${whole}.${fraction.padEnd(2, '0')}`
}
