import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import mqtt from 'mqtt';
import { bronzePrefix, parseBronzeObjectKey } from '../../lib/ingest/firehose';
import { isInvalidJsonLine } from '../../lib/ingest/rule';
import { startIngest } from './server';
import { readBronze, scrape, startCli as start, waitFor } from './test-support';

const MOSQUITTO_PUB = '/usr/bin/mosquitto_pub';
const CLI = path.resolve(import.meta.dirname, '../cli/fleetlake.js');
const run = promisify(execFile);
/** The ingest with a 1 s interval hint. */
const startCli = (lake: string, args: string[] = []) => start(lake, ['--buffer-seconds', '1', ...args]);

let lake: string;
beforeEach(async () => {
  lake = await mkdtemp(path.join(os.tmpdir(), 'fleetlake-ingest-'));
});
afterEach(async () => {
  await rm(lake, { recursive: true, force: true });
});

test('fleetlake ingest lands every message exactly once, projected, under its arrival-time prefix; SIGTERM flushes and exits 0', async () => {
  const ingest = await startCli(lake);
  const t0 = Date.now();
  const sent: Array<{ tag: string; vehicle: string; raw?: string }> = [];
  try {
    for (const protocolVersion of [4, 5] as const) {
      const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${ingest.port}`, { protocolVersion, clientId: `test-v${protocolVersion}` });
      for (let i = 0; i < 20; i++) {
        const tag = `v${protocolVersion}-single-${i}`;
        const sample = { vehicle_id: 'V0001', ts: new Date(t0 + i * 100).toISOString(), seq: i, ignition: true, battery_v: 14.2, tag };
        await client.publishAsync('fleet/V0001/telemetry', JSON.stringify(sample), { qos: i % 2 ? 1 : 0 });
        sent.push({ tag, vehicle: 'V0001' });
      }
      for (let i = 0; i < 5; i++) {
        const tag = `v${protocolVersion}-envelope-${i}`;
        const samples = Array.from({ length: 10 }, (_, k) => ({ ts: t0 + k * 100, ignition: true, battery_v: 14.1 }));
        await client.publishAsync('fleet/V0002/telemetry', JSON.stringify({ vehicle_id: 'V0002', samples, tag }), { qos: 1 });
        sent.push({ tag, vehicle: 'V0002' });
      }
      const basic = `v${protocolVersion}-basic-ingest`;
      await client.publishAsync('$aws/rules/fleetlake_local_telemetry/fleet/V0003/telemetry', JSON.stringify({ vehicle_id: 'V0003', ts: t0, ignition: false, battery_v: 12.6, tag: basic }), { qos: 1 });
      sent.push({ tag: basic, vehicle: 'V0003' });
      const raw = `not json from v${protocolVersion} {`;
      await client.publishAsync('fleet/V0004/telemetry', raw, { qos: 1 });
      sent.push({ tag: raw, vehicle: 'V0004', raw });
      await client.publishAsync('fleet/V0004/status', '{"ignored":true}', { qos: 1 }); // not the rule's topic
      await client.endAsync();
    }
  } finally {
    ingest.child.kill('SIGTERM');
  }
  expect(await ingest.exited).toBe(0);
  const t1 = Date.now();
  expect(ingest.stderr()).toContain('SIGTERM, flushing');

  const objects = await readBronze(lake);
  expect(objects.length).toBeGreaterThan(0);
  const seen = new Map<string, number>();
  for (const { key, lines } of objects) {
    const name = parseBronzeObjectKey(key);
    expect(name).not.toBeNull();
    const oldest = Math.min(...lines.map((l) => l.received_at as number));
    expect(key.startsWith(bronzePrefix(oldest))).toBe(true);
    expect(name!.arrivalMs).toBe(Math.floor(oldest / 1000) * 1000);
    for (const line of lines) {
      expect(typeof line.topic_vehicle_id).toBe('string');
      expect(line.received_at).toEqual(expect.any(Number));
      expect(line.received_at as number).toBeGreaterThanOrEqual(t0 - 1000);
      expect(line.received_at as number).toBeLessThanOrEqual(t1);
      const tag = isInvalidJsonLine(line) ? line.raw_payload : (line.tag as string);
      seen.set(`${line.topic_vehicle_id}|${tag}`, (seen.get(`${line.topic_vehicle_id}|${tag}`) ?? 0) + 1);
      if (!isInvalidJsonLine(line) && line.samples) expect(line.samples).toHaveLength(10);
    }
  }
  expect([...seen.entries()].sort()).toEqual(sent.map((s) => [`${s.vehicle}|${s.tag}`, 1] as [string, number]).sort());
  // per protocol: 20 singles + 5 envelopes of 10 + 1 Basic Ingest sample = 71 samples, 27 messages incl. the raw one
  expect(ingest.stderr()).toMatch(/stopped; 54 messages, 142 samples, 2 invalid/);
});

test('a real mosquitto_pub client (MQTT 3.1.1 and 5) is landed', async () => {
  // .ci/run installs it; a machine without it fails here rather than skipping.
  if (!existsSync(MOSQUITTO_PUB)) throw new Error(`${MOSQUITTO_PUB} not found: apt-get install mosquitto-clients (or bash .ci/run)`);
  const ingest = await startCli(lake);
  try {
    for (const version of ['mqttv311', 'mqttv5']) {
      const payload = JSON.stringify({ vehicle_id: 'V0009', ts: '2026-03-01T10:00:00Z', ignition: true, battery_v: 14.2, via: version });
      await run(MOSQUITTO_PUB, ['-h', '127.0.0.1', '-p', String(ingest.port), '-V', version, '-q', '1', '-t', 'fleet/V0009/telemetry', '-m', payload], { timeout: 10_000 });
    }
  } finally {
    ingest.child.kill('SIGINT');
  }
  expect(await ingest.exited).toBe(0);
  const lines = (await readBronze(lake)).flatMap((o) => o.lines);
  expect(lines.map((l) => [l.via, l.topic_vehicle_id])).toEqual([
    ['mqttv311', 'V0009'],
    ['mqttv5', 'V0009'],
  ]);
});

test('--metrics-port serves Prometheus metrics whose values match what was sent and landed', async () => {
  const ingest = await startCli(lake, ['--metrics-port', '0']);
  const url = ingest.metricsUrl!;
  expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
  const payloads = [
    JSON.stringify({ vehicle_id: 'V0001', ts: Date.now(), ignition: true, battery_v: 14.1 }),
    JSON.stringify({ vehicle_id: 'V0001', samples: Array.from({ length: 10 }, (_, k) => ({ ts: Date.now() + k, ignition: true, battery_v: 14 })) }),
    'not json',
  ];
  const client = await mqtt.connectAsync(ingest.url, { clientId: 'metrics-test' });
  try {
    const before = await scrape(url);
    expect(before.get('fleetlake_ingest_messages_total')).toBe(0);
    expect(before.get('fleetlake_ingest_connected_clients')).toBe(1);
    for (const [i, p] of payloads.entries()) await client.publishAsync('fleet/V0001/telemetry', p, { qos: i === 2 ? 2 : 1 });
    await client.publishAsync('fleet/V0001/status', 'ignored', { qos: 1 });
    const m = await scrape(url);
    expect(Object.fromEntries([...m].filter(([k]) => /^fleetlake_ingest_(messages|samples|invalid|ignored|payload_bytes|refused_acks|wal_write_failures|pending_messages)/.test(k)))).toEqual({
      fleetlake_ingest_messages_total: 3,
      fleetlake_ingest_samples_total: 11,
      fleetlake_ingest_invalid_total: 1,
      fleetlake_ingest_ignored_total: 1,
      fleetlake_ingest_payload_bytes_total: payloads.reduce((n, p) => n + Buffer.byteLength(p), 0),
      fleetlake_ingest_refused_acks_total: 0,
      fleetlake_ingest_wal_write_failures_total: 0,
      fleetlake_ingest_pending_messages: 0,
    });
    // every acknowledged message went through a WAL group commit, timed
    expect(m.get('fleetlake_ingest_wal_commit_messages_sum')).toBe(3);
    expect(m.get('fleetlake_ingest_wal_commit_seconds_count')).toBe(m.get('fleetlake_ingest_wal_commit_messages_count'));
    expect(m.get('process_cpu_seconds_total')).toBeGreaterThan(0);
    // the 1 s interval hint lands one object; its gzip bytes are what the metric says
    await waitFor('an object', async () => (await scrape(url)).get('fleetlake_ingest_objects_written_total') === 1);
    const after = await scrape(url);
    const [object] = await readBronze(lake);
    expect(after.get('fleetlake_ingest_object_bytes_total')).toBe((await stat(path.join(lake, 'bronze', object!.key))).size);
    expect(after.get('fleetlake_ingest_flush_seconds_count')).toBe(1);
    expect(await fetch(url.replace('/metrics', '/other')).then((r) => r.status)).toBe(404);
  } finally {
    await client.endAsync();
    ingest.child.kill('SIGTERM');
  }
  expect(await ingest.exited).toBe(0);
});

test('a connection that sends no CONNECT (or half of one) is closed after --connect-timeout; a connected client stays', async () => {
  const ingest = await startCli(lake, ['--connect-timeout', '0.5', '--metrics-port', '0']);
  const closedAfter = (bytes: Buffer) =>
    new Promise<number>((resolve, reject) => {
      const t0 = Date.now();
      const s = net.connect(ingest.port, '127.0.0.1', () => s.write(bytes));
      s.on('close', () => resolve(Date.now() - t0));
      s.on('error', () => undefined);
      setTimeout(() => reject(new Error('still open after 5 s')), 5000).unref();
    });
  const client = await mqtt.connectAsync(ingest.url, { clientId: 'stays', keepalive: 30 });
  try {
    const [silent, partial] = await Promise.all([closedAfter(Buffer.alloc(0)), closedAfter(Buffer.from([0x10, 0x20, 0x00]))]);
    expect(silent).toBeGreaterThanOrEqual(450);
    expect(partial).toBeGreaterThanOrEqual(450);
    expect(Math.max(silent, partial)).toBeLessThan(4000);
    expect(client.connected).toBe(true);
    await client.publishAsync('fleet/V0001/telemetry', JSON.stringify({ vehicle_id: 'V0001', ts: Date.now(), ignition: true, battery_v: 14 }), { qos: 1 });
    expect((await scrape(ingest.metricsUrl!)).get('fleetlake_ingest_connect_timeouts_total')).toBe(2);
  } finally {
    await client.endAsync();
    ingest.child.kill('SIGTERM');
  }
  expect(await ingest.exited).toBe(0);
});

test('usage errors exit 2 with one line; the CONNECT timeout defaults to 10 s; a second ingest on the same lake is refused', async () => {
  const file = path.join(lake, 'a-file');
  await writeFile(file, 'not a lake');
  const cases = [
    [['--lake', lake, '--metrics-port', 'abc'], '--metrics-port must be 0-65535, got abc'],
    [['--lake', lake, '--connect-timeout', '0'], '--connect-timeout must be in (0, 3600] seconds, got 0'],
    [['--lake', file], `the lake ${file} is not a directory (--lake takes the lake's folder)`],
  ] as const;
  const results = await Promise.all(cases.map(([args]) => run(process.execPath, [CLI, 'ingest', ...args]).then(() => ({ code: 0, stderr: '' }), (e: { code: number; stderr: string }) => e)));
  expect(results.map((r) => [r.code, r.stderr])).toEqual(cases.map(([, message]) => [2, `fleetlake: ${message}\n`]));
  expect((await run(process.execPath, [CLI, 'ingest', '--help'])).stdout).toMatch(/--connect-timeout <s>[\s\S]*\(default: "10"\)/);
  const first = await startCli(lake);
  try {
    const second = await run(process.execPath, [CLI, 'ingest', '--port', '0', '--lake', lake]).then(() => ({ code: 0, stderr: '' }), (e: { code: number; stderr: string }) => e);
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(new RegExp(`^fleetlake: another fleetlake ingest \\(pid ${first.child.pid}\\) is using `));
  } finally {
    first.child.kill('SIGTERM');
  }
  expect(await first.exited).toBe(0);
});

test('a port in use fails startIngest cleanly: the lake is not left locked', async () => {
  const other = await mkdtemp(path.join(os.tmpdir(), 'fleetlake-ingest-other-'));
  const first = await startIngest({ lake: other, port: 0, summaryEveryMs: 0, log: () => undefined });
  try {
    await expect(startIngest({ lake, port: first.port, summaryEveryMs: 0, log: () => undefined })).rejects.toThrow(/EADDRINUSE/);
    const second = await startIngest({ lake, port: 0, summaryEveryMs: 0, log: () => undefined }); // the lock was released
    await second.stop();
  } finally {
    await first.stop();
    await rm(other, { recursive: true, force: true });
  }
});
