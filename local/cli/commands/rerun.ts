import type { Command } from 'commander';
import { lakeOption, resolveLake } from '../lake';
import { readExecution } from '../../stepfunctions/history';
import { runWithProgress } from './run';

/** `fleetlake rerun <id>`: a new execution with the same input (the console's "New execution"). */
export function register(program: Command): void {
  program
    .command('rerun')
    .description('start a new execution with the input of execution <id> (see `fleetlake executions`)')
    .argument('<id>', 'execution id')
    .addOption(lakeOption())
    .action(async (id: string, opts: { lake?: string }) => {
      const lake = resolveLake(opts.lake);
      const previous = await readExecution(lake, id);
      const result = await runWithProgress(lake, previous.input, id);
      if (result.status !== 'SUCCEEDED') {
        const failed = result.executions.at(-1)!;
        throw new Error(`execution ${failed.executionId} ${failed.status}: ${failed.error ?? ''} ${failed.cause ?? ''}`.trim());
      }
    });
}
