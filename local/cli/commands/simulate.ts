import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { DEFAULT_ID_PREFIX, idPrefixProblem, vehicleId } from '../../../lib/simulate/fleet';
import { parseFlag } from '../args';
import { UsageError } from '../errors';
import { formatOption, printResult, recordRows, type Format } from '../format';
import { progress } from '../progress';

interface SimulateFlags {
  vehicles: string;
  idPrefix: string;
  duration: string;
  hz: string;
  driveHours: string;
  seed: string;
  start?: string;
  broker: string;
  batch: string;
  parkedBatch: string;
  realtime?: boolean;
  inFlight: string;
  basicIngest?: string;
  cert?: string;
  key?: string;
  ca?: string;
  format: Format;
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `30m`, `2h`, `1.5s`, `500ms`, `1d`; a bare number is seconds. */
export function parseDuration(s: string, flag: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(s.trim());
  if (!m) throw new UsageError(`${flag} must look like 30m, 2h, 10s or 500ms; got ${s}`);
  return Math.round(Number(m[1]) * UNITS[m[2] ?? 's']!);
}

/** Default start: now minus the duration, floored to the minute, so the data lands as recent event time. */
export function defaultStart(durationMs: number, now = Date.now()): number {
  return Math.floor((now - durationMs) / 60_000) * 60_000;
}

export function register(program: Command): void {
  program
    .command('simulate')
    .description('simulate a fleet (deterministic per seed) and publish its telemetry over MQTT, in virtual time')
    .requiredOption('--vehicles <n>', 'number of vehicles (<id-prefix>0001, <id-prefix>0002, ...)')
    .option('--id-prefix <p>', 'vehicle id prefix: ids are <p>0001, <p>0002, ... (letters, digits, _ and -); give a second fleet its own', DEFAULT_ID_PREFIX)
    .requiredOption('--duration <d>', 'virtual time to simulate, e.g. 30m, 2h')
    .option('--hz <n>', 'sampling rate with ignition on', '10')
    .option('--drive-hours <h>', 'mean hours of driving per vehicle per day', '1')
    .option('--seed <s>', 'random seed: same seed, same data', '1')
    .option('--start <iso>', 'virtual start time (default: now minus duration, floored to the minute)')
    .option('--broker <url>', 'MQTT broker: mqtt://host:port, or mqtts://<endpoint>-ats.iot.<region>.amazonaws.com:8883', 'mqtt://127.0.0.1:1883')
    .option('--batch <d>', 'envelope window per vehicle (0 = one message per sample)', '1s')
    .option('--parked-batch <d>', 'parked samples wait this long in one envelope; ignition-on or a low battery sends at once (0 = each alone)', '10m')
    .option('--realtime', 'publish at the pace of virtual time instead of as fast as the broker accepts')
    .option('--in-flight <n>', 'QoS 1 messages in flight at most', '256')
    .option('--basic-ingest <rule>', 'publish on $aws/rules/<rule>/fleet/<id>/telemetry (AWS IoT Basic Ingest)')
    .option('--cert <file>', 'TLS client certificate (PEM), for AWS IoT Core')
    .option('--key <file>', 'TLS private key (PEM)')
    .option('--ca <file>', 'CA certificate (PEM), e.g. AmazonRootCA1.pem')
    .addOption(formatOption())
    .action(async (flags: SimulateFlags) => {
      const vehicles = Number(flags.vehicles);
      const hz = Number(flags.hz);
      const inFlight = Number(flags.inFlight);
      const driveHoursPerDay = Number(flags.driveHours);
      if (!(driveHoursPerDay > 0) || driveHoursPerDay >= 24) throw new UsageError(`--drive-hours must be in (0, 24), got ${flags.driveHours}`);
      if (!Number.isInteger(vehicles) || vehicles < 1 || vehicles > 100_000) throw new UsageError(`--vehicles must be an integer 1-100000, got ${flags.vehicles}`);
      const idProblem = idPrefixProblem(flags.idPrefix, vehicles);
      if (idProblem) throw new UsageError(`--id-prefix ${JSON.stringify(flags.idPrefix)}: ${idProblem}`);
      if (!(hz > 0) || hz > 100) throw new UsageError(`--hz must be in (0, 100], got ${flags.hz}`);
      if (!Number.isInteger(inFlight) || inFlight < 1) throw new UsageError(`--in-flight must be a positive integer, got ${flags.inFlight}`);
      const durationMs = parseDuration(flags.duration, '--duration');
      if (durationMs <= 0) throw new UsageError('--duration must be positive');
      const batchMs = flags.batch === '0' ? 0 : parseDuration(flags.batch, '--batch');
      const parkedBatchMs = flags.parkedBatch === '0' ? 0 : parseDuration(flags.parkedBatch, '--parked-batch');
      const { parseInstant } = await import('../../../lib/features/dates'); // loaded on use, as the other heavy modules
      const start = flags.start === undefined ? defaultStart(durationMs) : parseFlag('--start', flags.start, parseInstant);
      if (!/^mqtts?:\/\//.test(flags.broker)) throw new UsageError(`--broker must be mqtt:// or mqtts://, got ${flags.broker}`);
      if (Boolean(flags.cert) !== Boolean(flags.key)) throw new UsageError('--cert and --key go together');
      const tls = flags.cert && flags.key ? { cert: readFileSync(flags.cert), key: readFileSync(flags.key), ca: flags.ca ? readFileSync(flags.ca) : undefined } : undefined;
      if (flags.basicIngest && !/^[A-Za-z0-9_]+$/.test(flags.basicIngest)) throw new UsageError('--basic-ingest takes a rule name ([A-Za-z0-9_]+)');

      const { publishFleet } = await import('../../simulate/publisher');
      const totalS = Math.round(durationMs / 1000);
      const bar = progress('simulate', totalS, { unit: 'virtual s' });
      const c = await publishFleet({
        vehicles,
        idPrefix: flags.idPrefix,
        start,
        durationMs,
        hz,
        driveHoursPerDay,
        seed: flags.seed,
        batchMs,
        parkedBatchMs,
        basicIngestRule: flags.basicIngest,
        broker: flags.broker,
        realtime: flags.realtime,
        inFlight,
        tls,
        // With a client certificate, AWS IoT requires client id = thing name: simulate one vehicle per connection then.
        clientId: tls && vehicles === 1 ? vehicleId(0, flags.idPrefix) : undefined,
        onProgress: (virtualMs) => bar.update(Math.min(totalS, Math.round(virtualMs / 1000))),
      });
      bar.update(totalS);
      bar.stop();
      const span = { start: new Date(start).toISOString(), end: new Date(start + durationMs).toISOString() };
      const result = { vehicles: c.vehicles, samples: c.samples, messages: c.messages, bytes: c.bytes, ...span, virtual_seconds: totalS, seconds: c.seconds };
      printResult(flags.format, {
        table: () =>
          `simulate: ${c.vehicles} vehicles, ${c.samples} samples, ${c.messages} messages, ${(c.bytes / 1048576).toFixed(1)} MB, ` +
          `virtual span ${span.start} .. ${span.end} (${totalS} s) in ${c.seconds.toFixed(1)} s: ${Math.round(c.messages / c.seconds)} msg/s, ${Math.round(c.samples / c.seconds)} samples/s\n`,
        json: () => result,
        csv: () => recordRows(result),
      });
    });
}
