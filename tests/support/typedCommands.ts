import { execFile } from 'node:child_process'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)

/** Where the README's commands point (4020, 4021, 8545, 8899) on the stack under test. */
export interface StackPorts {
  rpc: number
  facilitator: number
  api: number
  solana: number
}

/** The README's ports, as the test stack has them. */
function withPorts(command: string, ports: StackPorts): string {
  return command
    .replaceAll(':4021', `:${ports.api}`)
    .replaceAll(':4020', `:${ports.facilitator}`)
    .replaceAll(':8545', `:${ports.rpc}`)
    .replaceAll(':8899', `:${ports.solana}`)
}

export interface CommandResult {
  command: string
  code: number
  stdout: string
  stderr: string
}

/**
 * Runs lines in one bash session in the project folder, as a user types them: `export`s carry
 * over, and each other line's exit code and output are kept apart.
 */
export async function typeCommands(
  dir: string,
  ports: StackPorts,
  lines: string[],
  env: NodeJS.ProcessEnv,
): Promise<CommandResult[]> {
  const commands = lines.map((line) => withPorts(line.replace(/\s+#.*$/, '').trim(), ports))
  const script = commands
    .map((command, index) =>
      command.startsWith('export ')
        ? command
        : `( timeout 60 bash -c ${JSON.stringify(command).replaceAll('$', '\\$')} ) > out.${index} 2> err.${index} < /dev/null; echo $? > rc.${index}`,
    )
    .join('\n')
  await writeFile(join(dir, 'typed.sh'), `${script}\n`)
  await run('bash', ['typed.sh'], { cwd: dir, env })
  const results: CommandResult[] = []
  for (const [index, command] of commands.entries()) {
    if (command.startsWith('export ')) continue
    const read = (name: string) => readFile(join(dir, `${name}.${index}`), 'utf8')
    results.push({
      command,
      code: Number((await read('rc')).trim()),
      stdout: await read('out'),
      stderr: await read('err'),
    })
  }
  return results
}
