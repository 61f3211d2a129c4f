import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import mqtt from 'mqtt';
import { isInvalidJsonLine, rawPayloadBytes } from '../../lib/ingest/rule';
import { readBronze, scrape, startCli, strayFiles, waitFor } from './test-support';

const TOPIC = 'fleet/V0001/telemetry';
const sample = (tag: string) => JSON.stringify({ vehicle_id: 'V0001', ts: Date.now(), ignition: true, battery_v: 14.2, tag });
/** How often each tag landed in bronze. */
const landedTags = async (lake: string) => {
  const n = new Map<string, number>();
  for (const { lines } of await readBronze(lake)) for (const l of lines) if (!isInvalidJsonLine(l)) n.set(l.tag as string, (n.get(l.tag as string) ?? 0) + 1);
  return n;
};

let lake: string;
beforeEach(async () => {
  lake = await mkdtemp(path.join(os.tmpdir(), 'fleetlake-durable-'));
});
afterEach(() => rm(lake, { recursive: true, force: true }));

test('a 20 KB payload nested 10,000 deep over several lines is landed raw; the process lives, and nothing acknowledged before or after it is lost', async () => {
  const ingest = await startCli(lake, ['--buffer-seconds', '900']);
  const deep = `{"vehicle_id":"V0001","x":${'[\n'.repeat(10_000)}1${'\n]'.repeat(10_000)}}`;
  expect(deep.length).toBeGreaterThan(20_000);
  const client = await mqtt.connectAsync(ingest.url, { clientId: 'deep', reconnectPeriod: 0 });
  try {
    for (let i = 0; i < 50; i++) await client.publishAsync(TOPIC, sample(`before-${i}`), { qos: 1 });
    await client.publishAsync(TOPIC, deep, { qos: 1 });
    for (let i = 0; i < 50; i++) await client.publishAsync(TOPIC, sample(`after-${i}`), { qos: 1 });
  } finally {
    await client.endAsync();
    ingest.child.kill('SIGTERM');
  }
  expect(await ingest.exited).toBe(0);
  expect(ingest.stderr()).not.toMatch(/RangeError|call stack/);
  const lines = (await readBronze(lake)).flatMap((o) => o.lines);
  expect(lines).toHaveLength(101);
  const raw = lines.filter((l) => isInvalidJsonLine(l));
  expect(raw).toHaveLength(1);
  expect(isInvalidJsonLine(raw[0]) && rawPayloadBytes(raw[0]).toString('utf8')).toBe(deep);
  expect(ingest.stderr()).toMatch(/stopped; 101 messages, 100 samples, 1 invalid in 1 objects/);
});

test('SIGKILL after N acknowledged QoS 1 messages: nothing is in bronze yet, and a restart lands exactly those N, once', async () => {
  const N = 500;
  const ingest = await startCli(lake, ['--buffer-seconds', '900']);
  const client = await mqtt.connectAsync(ingest.url, { clientId: 'killed', reconnectPeriod: 0 });
  await Promise.all(Array.from({ length: N }, (_, i) => client.publishAsync(TOPIC, sample(`m-${i}`), { qos: 1 })));
  ingest.child.kill('SIGKILL');
  await ingest.exited;
  client.end(true);
  expect(await readBronze(lake)).toEqual([]); // the 900 s buffer had not flushed: only the WAL holds them

  const again = await startCli(lake, ['--buffer-seconds', '900']);
  expect(again.stderr()).toContain(`replayed the WAL a previous run left: ${N} messages into 1 bronze objects`);
  again.child.kill('SIGTERM');
  expect(await again.exited).toBe(0);
  const tags = await landedTags(lake);
  expect(tags.size).toBe(N);
  expect([...tags.values()].every((n) => n === 1)).toBe(true);
  expect(await readdir(path.join(lake, '_ingest', 'wal'))).toEqual([]);
});

test('SIGKILL in the middle of a stream: every message acknowledged before the kill lands after the restart, none twice', async () => {
  const ingest = await startCli(lake, ['--buffer-seconds', '900', '--buffer-mb', '0.05']); // several objects landed before the kill
  const client = await mqtt.connectAsync(ingest.url, { clientId: 'stream', reconnectPeriod: 0 });
  client.on('error', () => undefined);
  const acked = new Set<string>();
  const sent: string[] = [];
  await new Promise<void>((resolve) => {
    let i = 0;
    const next = () => {
      while (!ingest.child.killed && client.connected && i - acked.size < 100) {
        const tag = `s-${i++}`;
        sent.push(tag);
        client.publish(TOPIC, sample(tag), { qos: 1 }, (err) => {
          if (err || ingest.child.killed) return;
          acked.add(tag);
          if (acked.size === 3000) {
            ingest.child.kill('SIGKILL');
            resolve();
          } else next();
        });
      }
    };
    next();
  });
  await ingest.exited;
  client.end(true);
  const again = await startCli(lake);
  again.child.kill('SIGTERM');
  expect(await again.exited).toBe(0);
  const tags = await landedTags(lake);
  expect([...acked].filter((t) => !tags.has(t))).toEqual([]); // nothing acknowledged is lost
  expect([...tags].filter(([, n]) => n > 1)).toEqual([]); // nothing doubled by the replay
  expect([...tags.keys()].every((t) => sent.includes(t))).toBe(true);
});

/** A 4 MiB tmpfs to fill up, when this machine lets us mount one (root, or CAP_SYS_ADMIN). */
const tmpfs = mkdtempSync(path.join(os.tmpdir(), 'fleetlake-tmpfs-'));
const mounted = (() => {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', tmpfs], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
afterAll(() => {
  if (mounted) execFileSync('umount', [tmpfs]);
  rmSync(tmpfs, { recursive: true, force: true });
});

/** Writes a file until the disk is full; returns its path. */
function fillDisk(dir: string): string {
  const file = path.join(dir, 'filler');
  const fd = openSync(file, 'w');
  try {
    for (const size of [1 << 18, 1 << 12, 1]) {
      const chunk = Buffer.alloc(size, 1);
      for (;;) {
        try {
          if (writeSync(fd, chunk) < size) break;
        } catch {
          break;
        }
      }
    }
  } finally {
    closeSync(fd);
  }
  return file;
}

// CI runs as root and must run this; elsewhere a machine that cannot mount a tmpfs skips it, and says so.
const fullDiskTest = mounted || process.env.CI ? test : test.skip;
fullDiskTest(`a full disk: no PUBACK while writes fail, one log line per episode, failures counted; nothing lost or left behind once space returns${mounted ? '' : ' [SKIPPED: mount -t tmpfs is not permitted here]'}`, async () => {
  if (!mounted) throw new Error('mount -t tmpfs is not permitted on this machine; CI must run the full-disk test as root');
  const lakeOnTmpfs = path.join(tmpfs, 'lake');
  // The first records' object is due 3 s after they arrive: by then the disk is full.
  const ingest = await startCli(lakeOnTmpfs, ['--buffer-seconds', '3', '--metrics-port', '0']);
  const client = await mqtt.connectAsync(ingest.url, { clientId: 'full-disk', reconnectPeriod: 0 });
  let filler: string | undefined;
  try {
    await Promise.all(Array.from({ length: 20 }, (_, i) => client.publishAsync(TOPIC, sample(`a-${i}`), { qos: 1 }))); // durable before the disk fills
    filler = fillDisk(tmpfs);
    const acked: string[] = [];
    const held = Array.from({ length: 20 }, (_, i) => client.publishAsync(TOPIC, sample(`b-${i}`), { qos: 1 }).then(() => acked.push(`b-${i}`)));
    await waitFor('the first landing attempt of the earlier records', () => /writing bronze object .* failed \(ENOSPC/.test(ingest.stderr()));
    await new Promise((r) => setTimeout(r, 2500)); // a few retries
    expect(acked).toEqual([]); // no PUBACK while the WAL cannot be written
    expect(ingest.stderr().match(/WAL write failed \(ENOSPC/g)).toHaveLength(1);
    expect(ingest.stderr().match(/writing bronze object/g)).toHaveLength(1);
    const failing = await scrape(ingest.metricsUrl!);
    expect(failing.get('fleetlake_ingest_wal_write_failures_total')).toBeGreaterThanOrEqual(2);
    expect(failing.get('fleetlake_ingest_refused_acks_total')).toBe(20); // each held message once, however many retries
    expect(failing.get('fleetlake_ingest_pending_messages')).toBe(20);
    expect(failing.get('fleetlake_ingest_landing_failures_total')).toBeGreaterThanOrEqual(1);
    expect(await strayFiles(lakeOnTmpfs)).toEqual([]); // no empty or temp files from the failed writes

    rmSync(filler);
    filler = undefined;
    await Promise.all(held);
    expect(acked).toHaveLength(20);
    await waitFor('the landing to recover', () => /bronze writes work again/.test(ingest.stderr()));
    expect(ingest.stderr()).toMatch(/WAL writes work again after \d+\.\d s; 20 held messages written and acknowledged/);
  } finally {
    if (filler) rmSync(filler, { force: true });
    await client.endAsync();
    ingest.child.kill('SIGTERM');
  }
  expect(await ingest.exited).toBe(0);
  expect(ingest.stderr()).toMatch(/failed writes: [1-9]\d* WAL, [1-9]\d* bronze; 20 acks refused/);
  const tags = await landedTags(lakeOnTmpfs);
  expect([...tags.keys()].sort()).toEqual([...Array.from({ length: 20 }, (_, i) => `a-${i}`), ...Array.from({ length: 20 }, (_, i) => `b-${i}`)].sort());
  expect([...tags.values()].every((n) => n === 1)).toBe(true);
  expect(await strayFiles(lakeOnTmpfs)).toEqual([]);
  expect(await readdir(path.join(lakeOnTmpfs, '_ingest', 'wal'))).toEqual([]);
}, 60_000);
