import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { link, mkdir, readFile, rm, rmdir, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * An exclusive lock as a file (local runtime only): `<file>` holds its owner `{pid, started, token, ...}` as JSON.
 * It is created whole with link(2) (there is never an empty lock file), and it is stale when its owner process is
 * gone, so a SIGKILLed holder never blocks the next one: the next taker removes it (one taker at a time, under a
 * `<file>.takeover` directory). `started` is the process start time on Linux, which tells a reused pid apart.
 */
export interface ProcessId {
  pid: number;
  /** Start time of the process (Linux /proc/<pid>/stat field 22, clock ticks since boot); absent elsewhere. */
  started?: string;
}

export interface LockOwner extends ProcessId {
  token: string;
  [detail: string]: unknown;
}

export interface HeldLock {
  owner: LockOwner;
  release(): Promise<void>;
}

function startTime(pid: number | 'self'): string | undefined {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return s.slice(s.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/** This process, as lock owners and execution records name it. */
export function currentProcess(): ProcessId {
  const started = startTime('self');
  return started ? { pid: process.pid, started } : { pid: process.pid };
}

/** True while that process runs (the same one: a reused pid with another start time is not it). */
export function processAlive(p: ProcessId): boolean {
  try {
    process.kill(p.pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const started = p.started ? startTime(p.pid) : undefined;
  return !p.started || started === undefined || started === p.started;
}

/** The owner reported for a lock file whose content cannot be read (pid 0: nobody to wait for by pid). */
const UNREADABLE = 'unreadable';
const UNREADABLE_OWNER: LockOwner = { pid: 0, token: UNREADABLE };

async function readOwner(file: string): Promise<LockOwner | null | 'unreadable'> {
  try {
    const owner = JSON.parse(await readFile(file, 'utf8')) as LockOwner;
    return typeof owner?.pid === 'number' ? owner : 'unreadable';
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    return 'unreadable';
  }
}

const TAKEOVER_STALE_MS = 30_000;

/** Removes the lock if it is still the stale one seen (one taker at a time; the others retry). */
async function removeStale(file: string, seen: LockOwner | 'unreadable'): Promise<void> {
  const guard = `${file}.takeover`;
  try {
    await mkdir(guard);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    // A taker that died inside its takeover leaves the guard: old guards are removed.
    const age = Date.now() - (await stat(guard).then((s) => s.mtimeMs, () => Date.now()));
    if (age > TAKEOVER_STALE_MS) await rmdir(guard).catch(() => undefined);
    return;
  }
  try {
    const now = await readOwner(file);
    const same = now === 'unreadable' ? seen === 'unreadable' : now !== null && seen !== 'unreadable' && now.token === seen.token;
    if (same) await unlink(file).catch(() => undefined);
  } finally {
    await rmdir(guard).catch(() => undefined);
  }
}

const UNREADABLE_STALE_MS = 10_000;

/**
 * Takes the lock if it is free or stale; otherwise returns who holds it. `detail` is stored with the owner
 * (e.g. the execution id), for "waiting for …" messages.
 */
export async function tryLock(file: string, detail: Record<string, unknown> = {}): Promise<HeldLock | { heldBy: LockOwner }> {
  const owner: LockOwner = { ...detail, ...currentProcess(), token: randomBytes(8).toString('hex') };
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${owner.token}.tmp`;
  await writeFile(tmp, `${JSON.stringify(owner)}\n`);
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        await link(tmp, file);
        return { owner, release: () => releaseLock(file, owner) };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const held = await readOwner(file);
      if (held === null) continue; // released meanwhile
      if (held === 'unreadable') {
        const age = Date.now() - (await stat(file).then((s) => s.mtimeMs, () => 0));
        if (age < UNREADABLE_STALE_MS) return { heldBy: UNREADABLE_OWNER };
      } else if (processAlive(held)) return { heldBy: held };
      if (attempt > 20) return { heldBy: held === 'unreadable' ? UNREADABLE_OWNER : held };
      await removeStale(file, held);
    }
  } finally {
    await rm(tmp, { force: true });
  }
}

async function releaseLock(file: string, owner: LockOwner): Promise<void> {
  const now = await readOwner(file);
  if (now && now !== 'unreadable' && now.token === owner.token) await unlink(file).catch(() => undefined);
}

/** Waits for the lock (polling), calling `onWait` once with the holder; `timeoutMs` bounds the wait. */
export async function waitForLock(
  file: string,
  options: { detail?: Record<string, unknown>; pollMs?: number; timeoutMs?: number; onWait?: (holder: LockOwner) => void } = {},
): Promise<HeldLock> {
  const deadline = options.timeoutMs === undefined ? Infinity : Date.now() + options.timeoutMs;
  let told = false;
  for (;;) {
    const r = await tryLock(file, options.detail);
    if ('release' in r) return r;
    if (!told) options.onWait?.(r.heldBy);
    told = true;
    if (Date.now() >= deadline) throw new LockTimeoutError(file, r.heldBy);
    await new Promise((res) => setTimeout(res, options.pollMs ?? 200));
  }
}

export class LockTimeoutError extends Error {
  override name = 'LockTimeoutError';
  constructor(
    readonly file: string,
    readonly holder: LockOwner,
  ) {
    super(`${file} is still held by process ${holder.pid}`);
  }
}
