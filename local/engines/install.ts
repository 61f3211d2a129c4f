import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, readFileSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import * as tar from 'tar';
import yauzl from 'yauzl';
import { progress } from '../cli/progress';
import { findJava, type JavaHome } from './java';
import { ENGINES_DIR, ENGINES_FILE, EngineMissingError, PYTHON_VENV, REQUIREMENTS_FILE, venvBin } from './paths';

/** The pins of local/engines/engines.json (Python packages are pinned in requirements.txt). */
export interface EnginesPins {
  python: { minVersion: string };
  spark: { javaMajor: [number, number] };
  trino: { version: string; javaMajor: [number, number]; artifacts: Array<{ name: string; url: string; sha256: string; bytes: number; plugin?: string }> };
}

export const PINS: EnginesPins = JSON.parse(readFileSync(ENGINES_FILE, 'utf8')) as EnginesPins;
export const TRINO_HOME = path.join(ENGINES_DIR, `trino-${PINS.trino.version}`);
const DOWNLOADS = path.join(ENGINES_DIR, 'downloads');
const STAMP = '.fleetlake-installed';

export type EngineName = 'spark' | 'trino' | 'system';
/** `system`: the Debian packages the tests drive for real (Chromium for the report, mosquitto clients for ingest). */
export const ENGINE_NAMES: readonly EngineName[] = ['spark', 'trino', 'system'];

/** Debian package → the program the tests run. */
export const SYSTEM_PACKAGES: Readonly<Record<string, string>> = { chromium: '/usr/bin/chromium', 'mosquitto-clients': '/usr/bin/mosquitto_pub' };

export interface InstallOptions {
  log?: (line: string) => void;
  env?: NodeJS.ProcessEnv;
}

const sha256 = (s: string | Buffer) => createHash('sha256').update(s).digest('hex');

/** The pinned version of a package in requirements.txt. */
export function pinnedVersion(pkg: string): string | undefined {
  const m = new RegExp(`^${pkg.replace(/[-_]/g, '[-_]')}(?:\\[[^\\]]*\\])?==([^\\s#]+)`, 'im').exec(readFileSync(REQUIREMENTS_FILE, 'utf8'));
  return m?.[1];
}

/** The first Python >= minVersion: $FLEETLAKE_PYTHON, else python3.11 .. python3.13, else python3. */
export function findPython(env: NodeJS.ProcessEnv = process.env): { bin: string; version: string } {
  const [wantMajor, wantMinor] = PINS.python.minVersion.split('.').map(Number) as [number, number];
  const candidates = env.FLEETLAKE_PYTHON ? [env.FLEETLAKE_PYTHON] : ['python3.11', 'python3.12', 'python3.13', 'python3'];
  const seen: string[] = [];
  for (const bin of candidates) {
    const r = spawnSync(bin, ['-c', 'import sys; print("%d.%d.%d" % sys.version_info[:3])'], { encoding: 'utf8' });
    if (r.status !== 0) continue;
    const version = r.stdout.trim();
    const [major, minor] = version.split('.').map(Number) as [number, number];
    seen.push(`${bin} ${version}`);
    if (major > wantMajor || (major === wantMajor && minor >= wantMinor)) return { bin, version };
  }
  throw new EngineMissingError(
    `Spark needs Python ${PINS.python.minVersion}+ (Glue 5.0 runs 3.11): ${seen.length ? `found ${seen.join(', ')}` : 'no python3 on PATH'}; install one or set FLEETLAKE_PYTHON`,
  );
}

function run(cmd: string, args: string[], log: (l: string) => void, env?: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: env ?? process.env });
    let tail = '';
    const onData = (d: Buffer) => {
      const text = d.toString();
      tail = (tail + text).slice(-4000);
      for (const line of text.split('\n')) if (line.trim()) log(`  ${line.trimEnd()}`);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve();
      else {
        const last = tail.trim().split('\n').filter(Boolean).at(-1) ?? '';
        reject(new Error(`${path.basename(cmd)} ${args.slice(0, 3).join(' ')} … exited ${code}: ${last}`));
      }
    });
  });
}

/** The venv with everything in requirements.txt; skipped when the stamp matches the file's hash. */
async function installPython(log: (l: string) => void, env: NodeJS.ProcessEnv): Promise<void> {
  const want = sha256(readFileSync(REQUIREMENTS_FILE));
  const stamp = path.join(PYTHON_VENV, STAMP);
  if (existsSync(stamp) && (await readFile(stamp, 'utf8')).trim() === want && existsSync(venvBin('python'))) {
    log(`python: ${PYTHON_VENV} is up to date (pyspark ${pinnedVersion('pyspark')}, moto ${pinnedVersion('moto')}, cfn-lint ${pinnedVersion('cfn-lint')})`);
    return;
  }
  const python = findPython(env);
  if (!existsSync(venvBin('python'))) {
    log(`python: creating ${PYTHON_VENV} with ${python.bin} ${python.version}`);
    await run(python.bin, ['-m', 'venv', PYTHON_VENV], log).catch((err: Error) => {
      throw new EngineMissingError(`cannot create a virtual environment with ${python.bin} (on Debian: apt-get install python3-venv): ${err.message}`);
    });
  }
  log(`python: pip install -r ${path.relative(process.cwd(), REQUIREMENTS_FILE)} (pyspark ${pinnedVersion('pyspark')}, ~320 MB)`);
  await run(venvBin('python'), ['-m', 'pip', 'install', '--disable-pip-version-check', '--no-input', '--progress-bar', 'off', '-r', REQUIREMENTS_FILE], (l) => {
    if (/^\s*(Collecting|Successfully|ERROR)/.test(l)) log(l);
  });
  await writeFile(stamp, `${want}\n`);
  log(`python: installed in ${PYTHON_VENV}`);
}

/** Downloads `url` to `file` with a progress bar, checking its sha256; a finished download is reused. */
async function download(a: EnginesPins['trino']['artifacts'][number], file: string, log: (l: string) => void): Promise<void> {
  if (existsSync(file) && (await hashFile(file)) === a.sha256) return;
  await mkdir(path.dirname(file), { recursive: true });
  log(`download: ${a.url} (${(a.bytes / 1048576).toFixed(0)} MB)`);
  const res = await fetch(a.url).catch((err: Error) => {
    throw new Error(`download of ${a.url} failed: ${err.cause instanceof Error ? err.cause.message : err.message}`);
  });
  if (!res.ok || !res.body) throw new Error(`download of ${a.url} failed: HTTP ${res.status}`);
  const bar = progress(a.name, Math.round(a.bytes / 1048576), { unit: 'MB' });
  const hash = createHash('sha256');
  let bytes = 0;
  const tmp = `${file}.part`;
  const body = Readable.fromWeb(res.body as WebReadableStream<Uint8Array>);
  body.on('data', (chunk: Buffer) => {
    hash.update(chunk);
    bytes += chunk.length;
    bar.update(Math.round(bytes / 1048576));
  });
  await pipeline(body, createWriteStream(tmp));
  bar.stop();
  const got = hash.digest('hex');
  if (got !== a.sha256) {
    await rm(tmp, { force: true });
    throw new Error(`download of ${a.url}: sha256 ${got} does not match the pin ${a.sha256} in local/engines/engines.json`);
  }
  await rename(tmp, file);
}

async function hashFile(file: string): Promise<string> {
  const h = createHash('sha256');
  await pipeline(createReadStream(file), h);
  return h.digest('hex');
}

function unzip(file: string, dir: string): Promise<void> {
  return new Promise((resolve, reject) => {
    yauzl.open(file, { lazyEntries: true }, (err, zip) => {
      if (err || !zip) return reject(err ?? new Error(`cannot open ${file}`));
      zip.on('error', reject);
      zip.on('end', resolve);
      zip.on('entry', (e: yauzl.Entry) => {
        const target = path.join(dir, e.fileName);
        if (!target.startsWith(dir + path.sep)) return reject(new Error(`${file}: entry ${e.fileName} escapes the folder`));
        if (e.fileName.endsWith('/')) {
          void mkdir(target, { recursive: true }).then(() => zip.readEntry(), reject);
          return;
        }
        zip.openReadStream(e, (err2, stream) => {
          if (err2 || !stream) return reject(err2 ?? new Error(`cannot read ${e.fileName}`));
          void mkdir(path.dirname(target), { recursive: true })
            .then(() => pipeline(stream, createWriteStream(target)))
            .then(() => zip.readEntry(), reject);
        });
      });
      zip.readEntry();
    });
  });
}

/** Trino server core + the Hive plugin, laid out as one server; skipped when the stamp matches the pins. */
async function installTrino(log: (l: string) => void, env: NodeJS.ProcessEnv): Promise<void> {
  const java = findJava(`Trino ${PINS.trino.version}`, PINS.trino.javaMajor, 'FLEETLAKE_TRINO_JAVA_HOME', env);
  const want = sha256(JSON.stringify(PINS.trino.artifacts));
  const stamp = path.join(TRINO_HOME, STAMP);
  if (existsSync(stamp) && (await readFile(stamp, 'utf8')).trim() === want) {
    log(`trino: ${TRINO_HOME} is up to date (Trino ${PINS.trino.version}, Java ${java.major} at ${java.home})`);
    return;
  }
  const staging = `${TRINO_HOME}.staging`;
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  for (const a of PINS.trino.artifacts) {
    const file = path.join(DOWNLOADS, path.basename(new URL(a.url).pathname));
    await download(a, file, log);
    log(`trino: unpacking ${path.basename(file)}`);
    if (file.endsWith('.tar.gz')) {
      await tar.x({ file, cwd: staging, strip: 1 });
    } else {
      const unpacked = path.join(staging, '.unzip');
      await unzip(file, unpacked);
      // the plugin zip holds one folder (trino-hive-476/); the server finds plugins by folder under plugin/
      const entries = await readdir(unpacked);
      if (entries.length !== 1 || !entries[0]) throw new Error(`${file}: expected one top folder, found ${entries.join(', ')}`);
      await rename(path.join(unpacked, entries[0]), path.join(staging, 'plugin', a.plugin ?? entries[0]));
      await rm(unpacked, { recursive: true, force: true });
    }
  }
  if (!existsSync(path.join(staging, 'bin', 'launcher'))) throw new Error(`trino: ${staging} has no bin/launcher after unpacking`);
  await writeFile(path.join(staging, STAMP), `${want}\n`);
  await rm(TRINO_HOME, { recursive: true, force: true });
  await rename(staging, TRINO_HOME);
  log(`trino: installed Trino ${PINS.trino.version} with the Hive connector in ${TRINO_HOME} (runs on Java ${java.major} at ${java.home})`);
}

/** The Debian packages that are missing; installed with apt-get when this process may (root), else a one-line error. */
async function installSystem(log: (l: string) => void): Promise<void> {
  const missing = Object.entries(SYSTEM_PACKAGES).filter(([, bin]) => !existsSync(bin)).map(([pkg]) => pkg);
  if (!missing.length) {
    log(`system: ${Object.keys(SYSTEM_PACKAGES).join(', ')} present`);
    return;
  }
  const command = `apt-get update && apt-get install -y --no-install-recommends ${missing.join(' ')}`;
  if (process.getuid?.() !== 0 || !existsSync('/usr/bin/apt-get')) throw new EngineMissingError(`missing Debian packages ${missing.join(', ')}: run \`sudo ${command}\``);
  log(`system: ${command}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  await run('apt-get', ['update', '-qq'], () => undefined, env);
  await run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], (l) => (/^\s*(E:|Setting up (chromium|mosquitto))/.test(l) ? log(l) : undefined), env);
}

/** Installs the engines (idempotent: what is installed and matches its pins is kept). */
export async function installEngines(which: readonly EngineName[], options: InstallOptions = {}): Promise<void> {
  const log = options.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const env = options.env ?? process.env;
  // Fail fast on a missing runtime before any download.
  if (which.includes('spark')) findJava('Spark (Glue 5.0)', PINS.spark.javaMajor, 'FLEETLAKE_SPARK_JAVA_HOME', env);
  if (which.includes('trino')) findJava(`Trino ${PINS.trino.version}`, PINS.trino.javaMajor, 'FLEETLAKE_TRINO_JAVA_HOME', env);
  await mkdir(ENGINES_DIR, { recursive: true });
  // The venv also holds the test tools (moto, cfn-lint): it is installed for every engine.
  if (which.includes('spark') || which.includes('trino')) await installPython(log, env);
  if (which.includes('trino')) await installTrino(log, env);
  if (which.includes('system')) await installSystem(log);
}

export interface EngineStatus {
  engine: string;
  installed: boolean;
  version: string;
  where: string;
  java?: string;
  note?: string;
}

function javaOrNote(engine: string, range: [number, number], variable: string): { java?: JavaHome; note?: string } {
  try {
    return { java: findJava(engine, range, variable) };
  } catch (err) {
    return { note: (err as Error).message };
  }
}

/** What is installed and where (for `fleetlake engines status`). */
export function engineStatus(): EngineStatus[] {
  const venvOk = existsSync(path.join(PYTHON_VENV, STAMP)) && readFileSync(path.join(PYTHON_VENV, STAMP), 'utf8').trim() === sha256(readFileSync(REQUIREMENTS_FILE));
  const sparkJava = javaOrNote('Spark', PINS.spark.javaMajor, 'FLEETLAKE_SPARK_JAVA_HOME');
  const trinoJava = javaOrNote('Trino', PINS.trino.javaMajor, 'FLEETLAKE_TRINO_JAVA_HOME');
  const trinoOk = existsSync(path.join(TRINO_HOME, STAMP)) && readFileSync(path.join(TRINO_HOME, STAMP), 'utf8').trim() === sha256(JSON.stringify(PINS.trino.artifacts));
  const javaText = (j: { java?: JavaHome }) => (j.java ? `Java ${j.java.major} (${j.java.home})` : undefined);
  const rows: EngineStatus[] = [
    { engine: 'spark', installed: venvOk && Boolean(sparkJava.java), version: `pyspark ${pinnedVersion('pyspark')}`, where: PYTHON_VENV, java: javaText(sparkJava), note: sparkJava.note },
    { engine: 'trino', installed: trinoOk && Boolean(trinoJava.java), version: `Trino ${PINS.trino.version} + hive`, where: TRINO_HOME, java: javaText(trinoJava), note: trinoJava.note },
    { engine: 'tools', installed: venvOk, version: `moto ${pinnedVersion('moto')}, cfn-lint ${pinnedVersion('cfn-lint')}`, where: PYTHON_VENV },
    ...Object.entries(SYSTEM_PACKAGES).map(([pkg, bin]) => ({ engine: pkg, installed: existsSync(bin), version: 'Debian package', where: bin, ...(existsSync(bin) ? {} : { note: 'not installed: run `npx fleetlake engines install system`' }) })),
  ];
  return rows.map((r) => (r.installed || r.note ? r : { ...r, note: 'not installed: run `npx fleetlake engines install`' }));
}
