import { spawn } from 'node:child_process';
import { existsSync, openSync, readFileSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { findJava } from './java';
import { PINS, TRINO_HOME } from './install';
import { ENGINES_DIR, EngineMissingError } from './paths';

/**
 * A local Trino server (the Athena engine v3 stand-in) on a free 127.0.0.1 port. Catalogs are created at runtime
 * (`catalog.management=dynamic`), one per lake, so one server serves any number of lakes. A server started with
 * `keep` outlives the command and is found again through its state file; `fleetlake engines stop` ends it.
 */
export interface TrinoServer {
  url: string;
  port: number;
  pid: number;
  /** True when this process started it and `stop()` will end it. */
  owned: boolean;
  stop(): Promise<void>;
}

const RUN_DIR = path.join(ENGINES_DIR, 'trino-run');
const STATE_FILE = path.join(RUN_DIR, 'server.json');
const START_TIMEOUT_MS = 180_000;

interface ServerState {
  pid: number;
  port: number;
  startedAt: string;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function serverInfo(url: string): Promise<{ starting: boolean } | null> {
  try {
    const res = await fetch(`${url}/v1/info`, { signal: AbortSignal.timeout(2000) });
    return res.ok ? ((await res.json()) as { starting: boolean }) : null;
  } catch {
    return null;
  }
}

/** The kept server, if its state file names a live one that answers. */
export async function keptServer(): Promise<ServerState | null> {
  if (!existsSync(STATE_FILE)) return null;
  const state = JSON.parse(readFileSync(STATE_FILE, 'utf8')) as ServerState;
  if (!alive(state.pid)) {
    await rm(STATE_FILE, { force: true });
    return null;
  }
  return (await serverInfo(`http://127.0.0.1:${state.port}`)) ? state : null;
}

async function writeConfig(etc: string, data: string, port: number): Promise<void> {
  await mkdir(etc, { recursive: true });
  const heap = process.env.FLEETLAKE_TRINO_HEAP ?? '2G';
  const files: Record<string, string> = {
    // loopback only: bind and announce 127.0.0.1
    'node.properties': `node.environment=fleetlake_local\nnode.id=fleetlake-${port}\nnode.data-dir=${data}\nnode.bind-ip=127.0.0.1\nnode.internal-address=127.0.0.1\n`,
    'jvm.config': ['-server', `-Xmx${heap}`, '-XX:+UseG1GC', '-XX:+ExitOnOutOfMemoryError', '-Djdk.attach.allowAttachSelf=true', ''].join('\n'),
    'config.properties': [
      'coordinator=true',
      'node-scheduler.include-coordinator=true',
      `http-server.http.port=${port}`,
      `discovery.uri=http://127.0.0.1:${port}`,
      'catalog.management=dynamic',
      '',
    ].join('\n'),
    'log.properties': 'io.trino=WARN\nio.airlift=WARN\n',
  };
  for (const [name, text] of Object.entries(files)) await writeFile(path.join(etc, name), text);
}

/** Starts a Trino server (or reuses the kept one when `reuseKept`), waiting until it accepts queries. */
export async function startTrino(options: { keep?: boolean; reuseKept?: boolean; log?: (l: string) => void } = {}): Promise<TrinoServer> {
  const log = options.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  if (options.reuseKept ?? true) {
    const kept = await keptServer();
    if (kept) return { url: `http://127.0.0.1:${kept.port}`, port: kept.port, pid: kept.pid, owned: false, stop: async () => undefined };
  }
  if (!existsSync(path.join(TRINO_HOME, 'bin', 'launcher'))) {
    throw new EngineMissingError(`Trino ${PINS.trino.version} is not installed in ${TRINO_HOME}: run \`npx fleetlake engines install trino\``);
  }
  const java = findJava(`Trino ${PINS.trino.version}`, PINS.trino.javaMajor, 'FLEETLAKE_TRINO_JAVA_HOME');
  const port = await freePort();
  const dir = path.join(RUN_DIR, String(port));
  await rm(dir, { recursive: true, force: true });
  await writeConfig(path.join(dir, 'etc'), path.join(dir, 'data'), port);
  const logFile = path.join(dir, 'server.log');
  const out = openSync(logFile, 'a');
  const child = spawn(path.join(TRINO_HOME, 'bin', 'launcher'), ['run', '--etc-dir', path.join(dir, 'etc'), '--data-dir', path.join(dir, 'data')], {
    env: { ...process.env, JAVA_HOME: java.home, PATH: `${path.join(java.home, 'bin')}:${process.env.PATH ?? ''}` },
    stdio: ['ignore', out, out],
    detached: Boolean(options.keep),
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`trino: could not start ${TRINO_HOME}/bin/launcher`);
  let exited: number | null = null;
  child.once('exit', (code) => (exited = code ?? -1));
  const url = `http://127.0.0.1:${port}`;
  const started = Date.now();
  log(`trino: starting Trino ${PINS.trino.version} on ${url} (Java ${java.major}; log ${logFile})`);
  for (;;) {
    if (exited !== null) throw new Error(`trino: the server exited with ${exited} while starting; see ${logFile}`);
    const info = await serverInfo(url);
    if (info && !info.starting) break;
    if (Date.now() - started > START_TIMEOUT_MS) {
      child.kill('SIGKILL');
      throw new Error(`trino: not ready after ${START_TIMEOUT_MS / 1000} s; see ${logFile}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  log(`trino: ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  if (options.keep) {
    child.unref();
    await writeFile(STATE_FILE, `${JSON.stringify({ pid, port, startedAt: new Date().toISOString() } satisfies ServerState)}\n`);
  }
  const stop = async () => {
    if (exited !== null || !alive(pid)) return;
    const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await gone;
    clearTimeout(timer);
    await rm(dir, { recursive: true, force: true });
  };
  return { url, port, pid, owned: true, stop };
}

/** Stops the kept server; returns what was stopped (null when none was running). */
export async function stopKeptTrino(): Promise<ServerState | null> {
  const state = existsSync(STATE_FILE) ? (JSON.parse(readFileSync(STATE_FILE, 'utf8')) as ServerState) : null;
  if (!state) return null;
  if (alive(state.pid)) {
    process.kill(state.pid, 'SIGTERM');
    for (let i = 0; i < 100 && alive(state.pid); i++) await new Promise((r) => setTimeout(r, 100));
    if (alive(state.pid)) process.kill(state.pid, 'SIGKILL');
  }
  await rm(STATE_FILE, { force: true });
  await rm(path.join(RUN_DIR, String(state.port)), { recursive: true, force: true });
  return state;
}
