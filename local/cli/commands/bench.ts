import path from 'node:path';
import type { Command } from 'commander';
import { UsageError } from '../errors';

const REPO = path.resolve(import.meta.dirname, '../../..');

export function register(program: Command): void {
  program
    .command('bench')
    .description('benchmark ingest, clean vs a DuckDB peer in the same run, sizes, queries and end-to-end; writes <out>/latest.{json,md}')
    .option('--quick', 'about 20× smaller (CI)', false)
    .option('--out <dir>', 'results directory (default: bench/results in the repo; bench/results/quick for --quick)')
    .option('--keep', 'keep the temporary bench lake', false)
    .option('--no-demo', 'skip the `fleetlake demo` phase')
    .option('--vehicles <n>', 'override the fleet size (default 200, quick 10: see bench/run.ts)')
    .action(async (o: { quick: boolean; out?: string; keep: boolean; demo: boolean; vehicles?: string }) => {
      const vehicles = o.vehicles === undefined ? undefined : Number(o.vehicles);
      if (vehicles !== undefined && !(Number.isInteger(vehicles) && vehicles > 0)) throw new UsageError(`--vehicles must be a positive integer (got ${o.vehicles})`);
      // A quick run never replaces the full run's results (the README quotes those).
      const out = o.out ? path.resolve(o.out) : path.join(REPO, 'bench', 'results', ...(o.quick ? ['quick'] : []));
      const [{ runBench }, { formatMarkdown }] = await Promise.all([import('../../../bench/run'), import('../../../bench/report')]);
      const r = await runBench({ repo: REPO, quick: o.quick, out, keep: o.keep, skipDemo: !o.demo, vehicles });
      process.stdout.write(`${formatMarkdown(r)}\nwritten: ${path.join(out, 'latest.json')}, latest.md\n`);
    });
}
