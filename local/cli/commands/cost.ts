import path from 'node:path';
import type { Command } from 'commander';
import { UsageError } from '../errors';
import { formatOption, printResult, type Format } from '../format';
import { PARKED_BATCH_MS } from '../../../lib/simulate/sampling-policy';
import { DEFAULT_ASSUMPTIONS, estimate, formatQuotas, formatTable, loadDesign, loadFigures, regions, toJson, type Fleet } from '../../../lib/cost/index';

const REPO = path.resolve(import.meta.dirname, '../../..');

function positive(name: string, min = 0) {
  return (raw: string): number => {
    const n = Number(raw);
    if (!Number.isFinite(n) || n <= min) throw new UsageError(`--${name} must be a number > ${min} (got ${raw})`);
    return n;
  };
}

function nonNegative(name: string) {
  return (raw: string): number => {
    const n = Number(raw);
    if (!Number.isFinite(n) || n < 0) throw new UsageError(`--${name} must be a number >= 0 (got ${raw})`);
    return n;
  };
}

export function register(program: Command): void {
  program
    .command('cost')
    .description('itemised monthly AWS cost per fleet and per vehicle, from the benchmark figures and lib/cost/prices.json')
    .requiredOption('--vehicles <n>', 'fleet size', positive('vehicles'))
    .option('--hz <n>', 'samples per second while driving', positive('hz'), 10)
    .option('--drive-hours <h>', 'hours of driving per vehicle per day', positive('drive-hours'), 1)
    .option('--batch-seconds <s>', 'seconds of samples per MQTT envelope while driving', positive('batch-seconds'), 1)
    .option('--parked-batch-minutes <m>', 'minutes of parked samples per envelope (the device contract: 10; 0 = each parked sample alone)', nonNegative('parked-batch-minutes'), PARKED_BATCH_MS / 60_000)
    .option('--basic-ingest', 'devices publish on the Basic Ingest topic (no messaging charge)', false)
    .option('--runs-per-day <n>', "pipeline executions per day (default: the stage's scheduleRate, 24 for rate(1 hour))", positive('runs-per-day'))
    .option('--features-interval-minutes <m>', "what-if: the features job at most every m minutes (default: the stage's featuresIntervalMinutes; 0 = every execution)", nonNegative('features-interval-minutes'))
    .option('--region <region>', `price region (${regions().join(', ')})`, 'eu-west-1')
    .option('--storage-month <m>', 'month of life storage is priced for (1 = first month, 13 = steady state after a year)', positive('storage-month'), 13)
    .option('--stage <stage>', 'serverless.yml stage whose params describe the deployment', 'prod')
    .option('--bench <file>', 'benchmark results the volumes derive from', 'bench/results/latest.json')
    .option('--sample-bytes <n>', 'what-if: JSON bytes per sample on the wire instead of the measured figure', positive('sample-bytes'))
    .addOption(formatOption())
    .addHelpText('after', '\n--format csv prints the line items (service, item, quantity, unit, unitPrice, monthly, perVehicle, note).')
    .action((o: { vehicles: number; hz: number; driveHours: number; batchSeconds: number; parkedBatchMinutes: number; basicIngest: boolean; runsPerDay?: number; featuresIntervalMinutes?: number; region: string; storageMonth: number; stage: string; bench: string; sampleBytes?: number; format: Format }) => {
      if (!regions().includes(o.region)) throw new UsageError(`--region must be one of ${regions().join(', ')} (got ${o.region})`);
      if (o.driveHours > 24) throw new UsageError('--drive-hours must be ≤ 24');
      const staged = loadDesign(REPO, o.stage);
      const design = o.featuresIntervalMinutes === undefined ? staged : { ...staged, featuresIntervalMinutes: o.featuresIntervalMinutes };
      const fleet: Fleet = {
        vehicles: Math.round(o.vehicles),
        hz: o.hz,
        driveHours: o.driveHours,
        batchSeconds: o.batchSeconds,
        parkedBatchMinutes: o.parkedBatchMinutes,
        basicIngest: o.basicIngest,
        runsPerDay: Math.round(o.runsPerDay ?? design.scheduleRunsPerDay),
        region: o.region,
      };
      const benchFile = path.isAbsolute(o.bench) ? o.bench : path.join(REPO, o.bench);
      const figures = loadFigures(benchFile);
      figures.source = figures.source.replace(`${REPO}/`, '');
      if (o.sampleBytes) {
        figures.source += `; what-if: ${o.sampleBytes} JSON bytes per sample (--sample-bytes) instead of ${figures.rawBytesPerSample.toFixed(1)}`;
        figures.rawBytesPerSample = o.sampleBytes;
      }
      const report = estimate(fleet, figures, design, { ...DEFAULT_ASSUMPTIONS, storageMonth: Math.round(o.storageMonth) });
      printResult(o.format, {
        table: () => `${formatTable(report)}\nquotas at peak (${DEFAULT_ASSUMPTIONS.peakDrivingShare * 100} % of the fleet driving at once):\n\n${formatQuotas(report)}\n`,
        json: () => toJson(report),
        csv: () => ({ columns: ['service', 'item', 'quantity', 'unit', 'unitPrice', 'monthly', 'perVehicle', 'note'], rows: report.items }),
      });
    });
}
