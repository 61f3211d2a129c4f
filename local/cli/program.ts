import { Command, CommanderError } from 'commander';
import { commands } from './commands/index';

/** A mistake in how the command was called: exit code 2. */
export class UsageError extends Error {}

export function buildProgram(): Command {
  const program = new Command('fleetlake')
    .description('fleetlake: a serverless telematics data lake. Runs the same pipeline locally that deploys to AWS.')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ outputError: (s, write) => write(s) });
  for (const register of commands) register(program);
  return program;
}

/** Parse argv and run; errors print one line (`FLEETLAKE_DEBUG=1` adds the stack) and set the exit code. */
export async function runCli(argv: string[]): Promise<void> {
  const program = buildProgram().exitOverride();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) process.exit(err.exitCode);
    const e = err as Error;
    process.stderr.write(`fleetlake: ${e.message}\n`);
    if (process.env.FLEETLAKE_DEBUG) process.stderr.write(`${e.stack}\n`);
    process.exit(err instanceof UsageError ? 2 : 1);
  }
}
