/** Helpers for the ingest integration tests: `fleetlake ingest` as a child process, and the bronze it landed. */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { FsObjectStore, listAll } from '../../lib/store';

const CLI = path.resolve(import.meta.dirname, '../cli/fleetlake.js');

export interface RunningIngest {
  child: ChildProcessWithoutNullStreams;
  port: number;
  url: string;
  /** Set with `--metrics-port`. */
  metricsUrl?: string;
  stderr: () => string;
  exited: Promise<number | null>;
}

/** `node local/cli/fleetlake.js ingest --port 0 --lake <lake> <args>`; resolves once it listens (and serves metrics, if asked). */
export async function startCli(lake: string, args: string[] = []): Promise<RunningIngest> {
  const child = spawn(process.execPath, [CLI, 'ingest', '--port', '0', '--lake', lake, ...args], { stdio: 'pipe' });
  let err = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal ? -1 : null))));
  const wantMetrics = args.includes('--metrics-port');
  const ready = await new Promise<{ port: number; metricsUrl?: string }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`ingest did not start: ${err}`)), 30_000);
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
      const m = /listening on mqtt:\/\/127\.0\.0\.1:(\d+)/.exec(err);
      const metrics = /metrics on (http:\/\/\S+\/metrics)/.exec(err);
      if (m && (!wantMetrics || metrics)) {
        clearTimeout(timer);
        resolve({ port: Number(m[1]), metricsUrl: metrics?.[1] });
      }
    });
    child.on('exit', (code) => reject(new Error(`ingest exited early (${code}): ${err}`)));
  });
  return { child, port: ready.port, url: `mqtt://127.0.0.1:${ready.port}`, metricsUrl: ready.metricsUrl, stderr: () => err, exited };
}

/** Every bronze telemetry object of the lake, with its parsed lines. */
export async function readBronze(lake: string): Promise<Array<{ key: string; lines: Array<Record<string, unknown>> }>> {
  const store = new FsObjectStore(path.join(lake, 'bronze'));
  const out: Array<{ key: string; lines: Array<Record<string, unknown>> }> = [];
  for (const o of await listAll(store, 'telemetry/')) {
    const text = gunzipSync(await store.get(o.key)).toString('utf8');
    if (!text.endsWith('\n')) throw new Error(`${o.key} does not end with a newline`);
    out.push({ key: o.key, lines: text.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>) });
  }
  return out;
}

/** Files under `dir` that no reader should ever find: temp files and empty files. */
export async function strayFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const rel of await readdir(dir, { recursive: true })) {
    const file = path.join(dir, rel);
    const s = await stat(file).catch(() => null);
    if (s?.isFile() && (s.size === 0 || rel.includes('fleetlake-tmp'))) out.push(rel);
  }
  return out;
}

/** Resolves when `check()` is true; rejects after `ms`. */
export async function waitFor(what: string, check: () => boolean | Promise<boolean>, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The samples of a Prometheus text-format scrape: `name{labels}` → value. */
export async function scrape(url: string): Promise<Map<string, number>> {
  const res = await fetch(url);
  if (res.status !== 200) throw new Error(`GET ${url}: ${res.status}`);
  if (!(res.headers.get('content-type') ?? '').startsWith('text/plain; version=0.0.4')) throw new Error(`not the Prometheus text format: ${res.headers.get('content-type')}`);
  const out = new Map<string, number>();
  for (const line of (await res.text()).split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const cut = line.lastIndexOf(' ');
    out.set(line.slice(0, cut), Number(line.slice(cut + 1)));
  }
  return out;
}
