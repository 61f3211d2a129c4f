import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { UsageError } from '../errors';
import { formatOption, type Format } from '../format';
import { existingLake, lakeOption } from '../lake';
import { runAndReport } from './run';

/**
 * `fleetlake rerun <id>`: a new execution of the work execution <id> planned (docs/pipeline.md#rerun): a scheduled
 * `{}` execution is replayed as the concrete arrival window its Plan resolved, not as "everything since the watermark
 * now". `--same-input` starts it with the literal input instead (the console's "New execution").
 */
export function register(program: Command): void {
  program
    .command('rerun')
    .description('start a new execution of the window execution <id> planned (see `fleetlake executions`); --same-input reuses its literal input')
    .argument('<id>', 'execution id')
    .addOption(lakeOption())
    .option('--same-input', 'start it with the literal input of <id> (for a scheduled {} run: everything since the watermark now)', false)
    .option('--no-wait', 'fail at once (exit 1) when another run holds the lake, instead of waiting for it')
    .addOption(formatOption())
    .action(async (id: string, opts: { lake?: string; sameInput: boolean; wait: boolean; format: Format }) => {
      const lake = existingLake(opts.lake);
      const [{ executionFile, plannedWork, readExecution }, { replayInput }] = await Promise.all([import('../../stepfunctions/history'), import('../../../lib/pipeline/input')]);
      let file: string;
      try {
        file = executionFile(lake, id);
      } catch (err) {
        throw new UsageError(`${(err as Error).message} (see \`fleetlake executions\`)`);
      }
      if (!existsSync(file)) throw new UsageError(`no execution ${id} in ${path.dirname(file)} (see \`fleetlake executions\`)`);
      const previous = await readExecution(lake, id);
      let input: unknown = previous.input;
      if (!opts.sameInput) {
        let replay: Record<string, unknown> | null;
        try {
          replay = replayInput(previous.input, plannedWork(previous));
        } catch (err) {
          throw new UsageError(`execution ${id} cannot be replayed exactly: ${(err as Error).message}; --same-input starts it with its input ${JSON.stringify(previous.input)}`);
        }
        if (!replay) throw new UsageError(`execution ${id} has no recorded plan (it stopped before Plan returned), so there is no window to replay; --same-input starts it with its input ${JSON.stringify(previous.input)}`);
        input = replay;
      }
      await runAndReport(lake, input, { rerunOf: id, wait: opts.wait, format: opts.format });
    });
}
