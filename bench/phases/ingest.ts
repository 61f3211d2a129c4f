import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { missingModules } from '../modules';
import { notMeasured, type BenchContext, type PhaseResult } from '../types';
import { seconds } from '../util';

const exited = (child: ChildProcess) =>
  new Promise<number | null>((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    else child.once('exit', (code) => resolve(code));
  });

interface IngestRun {
  secs: number;
  messages: number;
  samples: number;
  invalid: number;
  objects: number;
  /** WAL group commits (one durable write each); 0 without the WAL. */
  commits: number;
  /** CPU seconds (user + system) of each process over the pass: the stage near a full core is the one that limits. */
  cpu: { ingest: number; publisher: number };
}

/** CPU seconds of a live process from /proc (Linux), polled, so the last reading before its exit is kept. */
function cpuMeter(pid: number | undefined): { stop: () => number } {
  const read = () => {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in USER_HZ (100 on Linux)
    } catch {
      return undefined;
    }
  };
  let last = 0;
  const timer = setInterval(() => (last = read() ?? last), 100);
  return {
    stop: () => {
      clearInterval(timer);
      return read() ?? last;
    },
  };
}

/**
 * One P1 pass: `fleetlake ingest` and the bench publisher (bench/publisher.ts) as separate processes over
 * loopback MQTT (QoS 1, the 1-second envelopes P0 generated). The clock runs from the publisher's
 * connection until ingest has landed every object and exited after SIGTERM.
 */
async function ingestRun(ctx: BenchContext, lake: string, bufferMb: string, extra: string[]): Promise<IngestRun> {
  const cli = path.join(ctx.repo, 'local/cli/fleetlake.js');
  const ingest = spawn(process.execPath, [cli, 'ingest', '--port', '0', '--lake', lake, '--buffer-mb', bufferMb, '--buffer-seconds', '900', ...extra], { stdio: ['ignore', 'ignore', 'pipe'] });
  let ingestLog = '';
  try {
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
    const file = ctx.shared.messagesFile as string | undefined;
    if (!file) throw new Error('no generated messages (P0 generate did not run)');
    const ingestCpu = cpuMeter(ingest.pid);
    const publisher = spawn(process.execPath, ['--import', 'tsx', path.join(ctx.repo, 'bench', 'publisher.ts'), `mqtt://127.0.0.1:${port}`, file], { stdio: ['ignore', 'pipe', 'pipe'], cwd: ctx.repo });
    const publisherCpu = cpuMeter(publisher.pid);
    let pubLog = '';
    let t0: bigint | undefined;
    publisher.stdout?.on('data', (d: Buffer) => {
      pubLog = (pubLog + d.toString()).slice(-8000);
      if (!t0 && pubLog.includes('"event":"start"')) t0 = process.hrtime.bigint();
    });
    publisher.stderr?.on('data', (d: Buffer) => (pubLog = (pubLog + d.toString()).slice(-8000)));
    const pubCode = await exited(publisher);
    const publisherSecs = publisherCpu.stop();
    if (pubCode !== 0 || !t0) throw new Error(`publisher exited ${pubCode}: ${pubLog.trim().split('\n').slice(-5).join(' | ')}`);
    ingest.kill('SIGTERM');
    const code = await exited(ingest);
    const secs = seconds(t0);
    const ingestSecs = ingestCpu.stop();
    if (code !== 0) throw new Error(`ingest exited ${code} after SIGTERM: ${ingestLog.slice(-2000)}`);
    const m = /stopped; (\d+) messages, (\d+) samples, (\d+) invalid in (\d+) objects/.exec(ingestLog);
    if (!m) throw new Error(`ingest summary line not found: ${ingestLog.slice(-2000)}`);
    const [messages, samples, invalid, objects] = m.slice(1).map(Number) as [number, number, number, number];
    const generated = ctx.shared.generated as { samples: number; messages: number } | undefined;
    if (generated && (generated.samples !== samples || generated.messages !== messages)) {
      throw new Error(`ingest landed ${messages} messages / ${samples} samples, the publisher sent ${generated.messages} / ${generated.samples}`);
    }
    const commits = [...ingestLog.matchAll(/WAL (\d+) commits/g)].at(-1)?.[1];
    return { secs, messages, samples, invalid, objects, commits: Number(commits ?? 0), cpu: { ingest: ingestSecs, publisher: publisherSecs } };
  } finally {
    if (ingest.exitCode === null) ingest.kill('SIGKILL');
  }
}

/**
 * P1: ingest with the write-ahead log (every QoS 1 PUBACK waits for its group commit to be on disk; the
 * headline figure, into the bench lake) and, in the same run, without it (acknowledged on arrival, into
 * a scratch lake that is removed), so the cost of durability is a same-run ratio.
 */
export async function ingestPhase(ctx: BenchContext): Promise<PhaseResult> {
  const missing = missingModules(ctx.repo, ['ingest']);
  if (missing.length) return notMeasured('P1 ingest', `not measured (module missing: ${missing.join(', ')})`);
  // Full runs land objects of the prod Firehose buffer (128 MiB), so the memory phase sizes a real Lambda input;
  // quick runs use 32 MiB so that even 4 vehicles give several objects for the worker pool.
  const bufferMb = ctx.quick ? '32' : '128';
  const scratch = path.join(ctx.work, 'lake-no-wal');
  fs.mkdirSync(scratch, { recursive: true });
  let off: IngestRun;
  try {
    off = await ingestRun(ctx, scratch, bufferMb, ['--no-wal']);
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
  const on = await ingestRun(ctx, ctx.lake, bufferMb, []);
  ctx.shared.samples = on.samples;
  const rate = (r: IngestRun) => r.samples / r.secs;
  const cores = (r: IngestRun) => `ingest (broker + landing, one process) ${(r.cpu.ingest / r.secs).toFixed(2)} cores, publisher ${(r.cpu.publisher / r.secs).toFixed(2)}`;
  return {
    name: 'P1 ingest',
    measured: true,
    seconds: on.secs,
    values: {
      ingest_samples_per_s: rate(on),
      ingest_messages_per_s: on.messages / on.secs,
      ingest_nowal_samples_per_s: rate(off),
      ingest_wal_ratio: rate(on) / rate(off),
      ingest_wal_commits: on.commits,
      ingest_messages_per_commit: on.messages / Math.max(1, on.commits),
      samples: on.samples,
      messages: on.messages,
      ingest_s: on.secs,
      ingest_cpu_cores: on.cpu.ingest / on.secs,
      publisher_cpu_cores: on.cpu.publisher / on.secs,
      ingest_nowal_cpu_cores: off.cpu.ingest / off.secs,
    },
    notes: [
      `WAL on: ${on.samples.toLocaleString('en-US')} samples in ${on.messages.toLocaleString('en-US')} messages (${on.invalid} invalid) → ${on.objects} bronze objects (${bufferMb} MiB buffers) in ${on.secs.toFixed(2)} s; ${on.commits.toLocaleString('en-US')} durable group commits, ${(on.messages / Math.max(1, on.commits)).toFixed(0)} messages each on average`,
      `WAL off (--no-wal, same run, before it): ${Math.round(rate(off)).toLocaleString('en-US')} samples/s in ${off.secs.toFixed(2)} s; WAL on / off = ${(rate(on) / rate(off)).toFixed(2)}`,
      `CPU over the pass (which stage limits): WAL on: ${cores(on)}; WAL off: ${cores(off)}`,
      'publisher: one mqtt.js connection, QoS 1, ≤ 1,000 in flight, replaying the generated messages; clock from its CONNACK to ingest exiting after the SIGTERM flush',
    ],
  };
}
