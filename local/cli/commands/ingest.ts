import type { Command } from 'commander';
import { UsageError } from '../errors';
import { lakeOption, lakeToCreate } from '../lake';

interface IngestFlags {
  port: string;
  host: string;
  lake?: string;
  bufferMb: string;
  bufferSeconds: string;
  wal: boolean;
  connectTimeout: string;
  metricsPort?: string;
}

const port = (flag: string, value: string): number => {
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n) || n < 0 || n > 65535) throw new UsageError(`${flag} must be 0-65535, got ${value}`);
  return n;
};

export function register(program: Command): void {
  program
    .command('ingest')
    .description('run the local ingest: an MQTT broker on fleet/+/telemetry landing Firehose-style gzip NDJSON in <lake>/bronze')
    .option('--port <n>', 'MQTT port (0 = any free port)', '1883')
    .option('--host <addr>', 'address to listen on (MQTT and metrics)', '127.0.0.1')
    .addOption(lakeOption())
    .option('--buffer-mb <n>', 'Firehose-style size hint, MiB of uncompressed NDJSON per object', '5')
    .option('--buffer-seconds <n>', 'Firehose-style interval hint, seconds', '5')
    .option('--metrics-port <n>', 'serve Prometheus metrics on http://<host>:<n>/metrics (0 = any free port)')
    .option('--connect-timeout <s>', 'close a connection that sends no CONNECT within this many seconds', '10')
    .option('--no-wal', 'acknowledge on arrival, without the write-ahead log (a crash loses up to one buffer; for measurements)')
    .action(async (flags: IngestFlags) => {
      const mqttPort = port('--port', flags.port);
      const metricsPort = flags.metricsPort === undefined ? undefined : port('--metrics-port', flags.metricsPort);
      const bufferMb = Number(flags.bufferMb);
      const bufferSeconds = Number(flags.bufferSeconds);
      const connectTimeout = Number(flags.connectTimeout);
      if (!(bufferMb > 0) || bufferMb > 128) throw new UsageError(`--buffer-mb must be in (0, 128], got ${flags.bufferMb}`);
      if (!(bufferSeconds > 0) || bufferSeconds > 900) throw new UsageError(`--buffer-seconds must be in (0, 900], got ${flags.bufferSeconds}`);
      if (!(connectTimeout > 0) || connectTimeout > 3600) throw new UsageError(`--connect-timeout must be in (0, 3600] seconds, got ${flags.connectTimeout}`);
      const lake = lakeToCreate(flags.lake);
      // Installed before anything is printed: a signal right after the "listening" line still flushes.
      const signal = new Promise<NodeJS.Signals>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      const { startIngest } = await import('../../ingest/server'); // loaded on use: `fleetlake --help` stays fast
      const server = await startIngest({ lake, port: mqttPort, host: flags.host, bufferMb, bufferSeconds, wal: flags.wal, connectTimeoutMs: connectTimeout * 1000, metricsPort });
      const durability = flags.wal ? 'acknowledging after the WAL write' : 'WITHOUT the WAL: acknowledging on arrival';
      process.stderr.write(`ingest: listening on mqtt://${server.host}:${server.port} (MQTT 3.1.1 and 5), landing in ${lake}/bronze/telemetry/, ${durability}\n`);
      if (server.metricsPort !== undefined) process.stderr.write(`ingest: metrics on http://${server.host}:${server.metricsPort}/metrics\n`);
      process.stderr.write(`ingest: ${await signal}, flushing\n`);
      const c = await server.stop();
      process.stderr.write(`ingest: stopped; ${c.messages} messages, ${c.samples} samples, ${c.invalid} invalid in ${c.objects} objects\n`);
      process.exit(0);
    });
}
