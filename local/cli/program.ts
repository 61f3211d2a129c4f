import { Command, CommanderError } from 'commander';
import pkg from '../../package.json' with { type: 'json' };
import { commands } from './commands/index';
import { EXIT, UnhealthyError, UsageError } from './errors';

export function buildProgram(): Command {
  const program = new Command('fleetlake')
    .description('fleetlake: a serverless telematics data lake. Runs the same pipeline locally that deploys to AWS.')
    .version(pkg.version, '-V, --version', 'print the fleetlake version')
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText('after', '\nExit codes: 0 success, 1 the work failed, 2 usage or input error, 3 an alarm is firing or the lake is unhealthy (docs/cli.md).')
    // commander's own errors read like ours: `fleetlake: unknown option '--x'`.
    .configureOutput({ outputError: (s, write) => write(s.replace(/^error: /, 'fleetlake: ')) });
  for (const register of commands) register(program);
  return program;
}

/** The exit code of an error: commander's usage errors are 2 (its --help and --version are 0). */
export function exitCode(err: unknown): number {
  if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
  if (err instanceof UsageError) return EXIT.usage;
  if (err instanceof UnhealthyError) return EXIT.unhealthy;
  return EXIT.failed;
}

/** Parse argv and run; errors print one line (`FLEETLAKE_DEBUG=1` adds the stack) and set the exit code. */
export async function runCli(argv: string[]): Promise<void> {
  const program = buildProgram();
  // Every (sub)command throws to the handler below instead of exiting on its own (commander would exit 1).
  const override = (c: Command): void => {
    c.exitOverride();
    c.commands.forEach(override);
  };
  override(program);
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (!(err instanceof CommanderError)) {
      const e = err as Error;
      process.stderr.write(`fleetlake: ${e.message}\n`);
      if (process.env.FLEETLAKE_DEBUG) process.stderr.write(`${e.stack}\n`);
    }
    process.exit(exitCode(err));
  }
}
