import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { missingModules } from '../modules';
import { notMeasured, type BenchContext, type PhaseResult } from '../types';
import { seconds } from '../util';

const exited = (child: ChildProcess) =>
  new Promise<number | null>((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    else child.once('exit', (code) => resolve(code));
  });

/**
 * P1: `fleetlake ingest` and the bench publisher (bench/publisher.ts) as separate processes over loopback MQTT
 * (QoS 1, the 1-second envelopes P0 generated). The clock runs from the publisher's connection until ingest
 * has flushed every object and exited after SIGTERM.
 */
export async function ingestPhase(ctx: BenchContext): Promise<PhaseResult> {
  const missing = missingModules(ctx.repo, ['ingest']);
  if (missing.length) return notMeasured('P1 ingest', `not measured (module missing: ${missing.join(', ')})`);
  const cli = path.join(ctx.repo, 'local/cli/fleetlake.js');
  // Full runs land objects of the prod Firehose buffer (128 MiB), so the memory phase sizes a real Lambda input;
  // quick runs use 32 MiB so that even 4 vehicles give several objects for the worker pool.
  const bufferMb = ctx.quick ? '32' : '128';
  const ingest = spawn(process.execPath, [cli, 'ingest', '--port', '0', '--lake', ctx.lake, '--buffer-mb', bufferMb, '--buffer-seconds', '900'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let ingestLog = '';
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`ingest did not start in 30 s: ${ingestLog}`)), 30_000);
    ingest.stderr?.on('data', (d: Buffer) => {
      ingestLog = (ingestLog + d.toString()).slice(-20_000);
      const m = /listening on mqtt:\/\/[^:]+:(\d+)/.exec(ingestLog);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    ingest.once('exit', (code) => reject(new Error(`ingest exited ${code} before listening: ${ingestLog}`)));
  });
  try {
    const file = ctx.shared.messagesFile as string | undefined;
    if (!file) throw new Error('no generated messages (P0 generate did not run)');
    const publisher = spawn(process.execPath, ['--import', 'tsx', path.join(ctx.repo, 'bench', 'publisher.ts'), `mqtt://127.0.0.1:${port}`, file], { stdio: ['ignore', 'pipe', 'pipe'], cwd: ctx.repo });
    let pubLog = '';
    let t0: bigint | undefined;
    publisher.stdout?.on('data', (d: Buffer) => {
      pubLog = (pubLog + d.toString()).slice(-8000);
      if (!t0 && pubLog.includes('"event":"start"')) t0 = process.hrtime.bigint();
    });
    publisher.stderr?.on('data', (d: Buffer) => (pubLog = (pubLog + d.toString()).slice(-8000)));
    const pubCode = await exited(publisher);
    if (pubCode !== 0 || !t0) throw new Error(`publisher exited ${pubCode}: ${pubLog.trim().split('\n').slice(-5).join(' | ')}`);
    ingest.kill('SIGTERM');
    const code = await exited(ingest);
    const secs = seconds(t0);
    if (code !== 0) throw new Error(`ingest exited ${code} after SIGTERM: ${ingestLog.slice(-2000)}`);
    const m = /stopped; (\d+) messages, (\d+) samples, (\d+) invalid in (\d+) objects/.exec(ingestLog);
    if (!m) throw new Error(`ingest summary line not found: ${ingestLog.slice(-2000)}`);
    const [messages, samples, invalid, objects] = m.slice(1).map(Number) as [number, number, number, number];
    const generated = ctx.shared.generated as { samples: number; messages: number } | undefined;
    if (generated && (generated.samples !== samples || generated.messages !== messages)) {
      throw new Error(`ingest landed ${messages} messages / ${samples} samples, the publisher sent ${generated.messages} / ${generated.samples}`);
    }
    ctx.shared.samples = samples;
    return {
      name: 'P1 ingest',
      measured: true,
      seconds: secs,
      values: { ingest_samples_per_s: samples / secs, ingest_messages_per_s: messages / secs, samples, messages, ingest_s: secs },
      notes: [
        `${samples.toLocaleString('en-US')} samples in ${messages.toLocaleString('en-US')} messages (${invalid} invalid) → ${objects} bronze objects (${bufferMb} MiB buffers) in ${secs.toFixed(2)} s`,
        'publisher: one mqtt.js connection, QoS 1, ≤ 1,000 in flight, replaying the generated messages; clock from its CONNACK to ingest exiting after the SIGTERM flush',
      ],
    };
  } finally {
    if (ingest.exitCode === null) ingest.kill('SIGKILL');
  }
}
