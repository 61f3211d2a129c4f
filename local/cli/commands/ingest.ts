import type { Command } from 'commander';
import { startIngest } from '../../ingest/server';
import { lakeOption, resolveLake } from '../lake';
import { UsageError } from '../program';

interface IngestFlags {
  port: string;
  host: string;
  lake?: string;
  bufferMb: string;
  bufferSeconds: string;
}

export function register(program: Command): void {
  program
    .command('ingest')
    .description('run the local ingest: an MQTT broker on fleet/+/telemetry landing Firehose-style gzip NDJSON in <lake>/bronze')
    .option('--port <n>', 'MQTT port (0 = any free port)', '1883')
    .option('--host <addr>', 'address to listen on', '127.0.0.1')
    .addOption(lakeOption())
    .option('--buffer-mb <n>', 'Firehose-style size hint, MiB of uncompressed NDJSON per object', '5')
    .option('--buffer-seconds <n>', 'Firehose-style interval hint, seconds', '5')
    .action(async (flags: IngestFlags) => {
      const port = Number(flags.port);
      const bufferMb = Number(flags.bufferMb);
      const bufferSeconds = Number(flags.bufferSeconds);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be 0-65535, got ${flags.port}`);
      if (!(bufferMb > 0) || bufferMb > 128) throw new UsageError(`--buffer-mb must be in (0, 128], got ${flags.bufferMb}`);
      if (!(bufferSeconds > 0) || bufferSeconds > 900) throw new UsageError(`--buffer-seconds must be in (0, 900], got ${flags.bufferSeconds}`);
      const lake = resolveLake(flags.lake);
      const server = await startIngest({ lake, port, host: flags.host, bufferMb, bufferSeconds });
      process.stderr.write(`ingest: listening on mqtt://${server.host}:${server.port} (MQTT 3.1.1 and 5), landing in ${lake}/bronze/telemetry/\n`);
      const signal = await new Promise<NodeJS.Signals>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      process.stderr.write(`ingest: ${signal}, flushing\n`);
      const c = await server.stop();
      process.stderr.write(`ingest: stopped; ${c.messages} messages, ${c.samples} samples, ${c.invalid} invalid in ${c.objects} objects\n`);
      process.exit(0);
    });
}
