import type { Command } from 'commander';
import { ENGINE_NAMES, engineStatus, installEngines, type EngineName } from '../../engines/install';
import { ENGINES_DIR } from '../../engines/paths';
import { keptServer, stopKeptTrino } from '../../engines/trino-server';
import { UsageError } from '../errors';
import { formatOption, printResult, type Format } from '../format';

/** `fleetlake engines install|status|stop`: the production engines (Spark, Trino) installed project-locally. */
export function register(program: Command): void {
  const engines = program
    .command('engines')
    .description(`install, inspect and stop the local production engines (PySpark for the Glue job, Trino for Athena SQL) in ${ENGINES_DIR}`);

  engines
    .command('install')
    .description('install the pinned engines (local/engines/requirements.txt, local/engines/engines.json); idempotent')
    .argument('[engine]', `${ENGINE_NAMES.join(' | ')} | all`, 'all')
    .action(async (engine: string) => {
      const which: EngineName[] = engine === 'all' ? [...ENGINE_NAMES] : ENGINE_NAMES.includes(engine as EngineName) ? [engine as EngineName] : [];
      if (!which.length) throw new UsageError(`unknown engine ${engine}: expected ${ENGINE_NAMES.join(', ')} or all`);
      await installEngines(which);
    });

  engines
    .command('status')
    .description('what is installed, where, and on which Java')
    .addOption(formatOption())
    .action(async (opts: { format: Format }) => {
      const rows = engineStatus();
      const kept = await keptServer();
      const table = () => {
        const w = Math.max(...rows.map((r) => r.engine.length));
        const lines = rows.map((r) => {
          const state = r.installed ? 'installed' : 'missing';
          return `${r.engine.padEnd(w)}  ${state.padEnd(9)}  ${r.version}  ${r.where}${r.java ? `  ${r.java}` : ''}${r.note ? `\n${' '.repeat(w + 2)}${r.note}` : ''}\n`;
        });
        return `${lines.join('')}${kept ? `trino server kept running: pid ${kept.pid} on http://127.0.0.1:${kept.port} (stop: fleetlake engines stop)\n` : 'no trino server kept running\n'}`;
      };
      printResult(opts.format, {
        table,
        json: () => ({ engines: rows, trino_kept: kept ?? null }),
        csv: () => ({ columns: ['engine', 'installed', 'version', 'where', 'java', 'note'], rows }),
      });
    });

  engines
    .command('stop')
    .description('stop the Trino server kept running by `fleetlake query --engine trino --keep`')
    .action(async () => {
      const s = await stopKeptTrino();
      process.stdout.write(s ? `stopped trino (pid ${s.pid}, port ${s.port})\n` : 'no trino server was running\n');
    });
}
