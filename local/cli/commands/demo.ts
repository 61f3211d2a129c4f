import type { Command } from 'commander';
import { UsageError } from '../errors';
import { lakeOption, lakeToCreate } from '../lake';

export function register(program: Command): void {
  program
    .command('demo')
    .description('the whole lake locally: ingest, simulate a fleet over MQTT, run the pipeline, query, and write <lake>/report/index.html')
    .option('--vehicles <n>', 'vehicles to simulate', '20')
    .option('--hours <n>', 'virtual hours of fleet life, ending now', '24')
    .option('--seed <s>', 'simulator seed', '1')
    .addOption(lakeOption())
    .action(async (flags: { vehicles: string; hours: string; seed: string; lake?: string }) => {
      const vehicles = Number(flags.vehicles);
      const hours = Number(flags.hours);
      if (!Number.isInteger(vehicles) || vehicles < 2 || vehicles > 10_000) throw new UsageError(`--vehicles must be an integer 2-10000, got ${flags.vehicles}`);
      if (!(hours > 0) || hours > 24 * 31) throw new UsageError(`--hours must be in (0, 744], got ${flags.hours}`);
      const { runDemo } = await import('../../demo/demo');
      await runDemo({ lake: lakeToCreate(flags.lake), vehicles, hours, seed: flags.seed });
    });
}
