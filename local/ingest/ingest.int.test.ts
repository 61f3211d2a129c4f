import { spawn, execFile, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import mqtt from 'mqtt';
import { bronzePrefix, parseBronzeObjectKey } from '../../lib/ingest/firehose';
import { isInvalidJsonLine } from '../../lib/ingest/rule';
import { FsObjectStore, listAll } from '../../lib/store';

const CLI = path.resolve(import.meta.dirname, '../cli/fleetlake.js');
const MOSQUITTO_PUB = '/usr/bin/mosquitto_pub';

interface Running {
  child: ChildProcessWithoutNullStreams;
  port: number;
  stderr: () => string;
  exited: Promise<number | null>;
}

/** `fleetlake ingest --port 0` as a child process; resolves once it prints the port it listens on. */
async function startCli(lake: string): Promise<Running> {
  const child = spawn(process.execPath, [CLI, 'ingest', '--port', '0', '--lake', lake, '--buffer-seconds', '1'], { stdio: 'pipe' });
  let err = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`ingest did not start: ${err}`)), 20_000);
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
      const m = /listening on mqtt:\/\/127\.0\.0\.1:(\d+)/.exec(err);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    child.on('exit', (code) => reject(new Error(`ingest exited early (${code}): ${err}`)));
  });
  return { child, port, stderr: () => err, exited };
}

async function readBronze(lake: string) {
  const store = new FsObjectStore(path.join(lake, 'bronze'));
  const objects = await listAll(store, 'telemetry/');
  const out: Array<{ key: string; lines: Array<Record<string, unknown>> }> = [];
  for (const o of objects) {
    const text = gunzipSync(await store.get(o.key)).toString('utf8');
    expect(text.endsWith('\n')).toBe(true);
    out.push({ key: o.key, lines: text.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>) });
  }
  return out;
}

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

(existsSync(MOSQUITTO_PUB) ? test : test.skip)(`a real mosquitto_pub client (MQTT 3.1.1 and 5) is landed${existsSync(MOSQUITTO_PUB) ? '' : ` [SKIPPED: ${MOSQUITTO_PUB} not found; apt-get install mosquitto-clients]`}`, async () => {
  const ingest = await startCli(lake);
  const run = promisify(execFile);
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
