import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { currentProcess, processAlive, tryLock, waitForLock } from './file-lock';

let dir: string;
let file: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'fleetlake-lock-'));
  file = path.join(dir, 'run.lock');
});
afterEach(() => rm(dir, { recursive: true, force: true }));

/** The pid of a process that has exited. */
const deadPid = () => spawnSync(process.execPath, ['-e', '0']).pid!;

test('one holder at a time; released means free', async () => {
  const a = await tryLock(file, { execution: 'e1' });
  if (!('release' in a)) throw new Error('not taken');
  const b = await tryLock(file);
  expect(b).toEqual({ heldBy: expect.objectContaining({ pid: process.pid, execution: 'e1' }) });
  await a.release();
  const c = await tryLock(file);
  expect('release' in c).toBe(true);
  if ('release' in c) await c.release();
  expect(await readdir(dir)).toEqual([]);
});

test('a lock whose owner is gone (SIGKILL) is taken over; a reused pid with another start time is not its owner', async () => {
  await writeFile(file, JSON.stringify({ pid: deadPid(), token: 'dead' }));
  const taken = await tryLock(file);
  expect('release' in taken).toBe(true);
  if ('release' in taken) await taken.release();

  const me = currentProcess();
  expect(processAlive(me)).toBe(true);
  expect(processAlive({ pid: deadPid() })).toBe(false);
  if (me.started) expect(processAlive({ pid: me.pid, started: `${me.started}0` })).toBe(false);
});

test('waitForLock says who it waits for, then takes the lock when it is released', async () => {
  const first = await tryLock(file, { execution: 'e1' });
  if (!('release' in first)) throw new Error('not taken');
  const waited: unknown[] = [];
  const second = waitForLock(file, { pollMs: 10, onWait: (h) => waited.push(h.execution) });
  await new Promise((r) => setTimeout(r, 50));
  expect(waited).toEqual(['e1']);
  await first.release();
  const held = await second;
  expect(existsSync(file)).toBe(true);
  await held.release();
  await expect(waitForLock(file, { timeoutMs: 0 }).then((l) => l.release())).resolves.toBeUndefined();
  const blocker = await tryLock(file);
  await expect(waitForLock(file, { timeoutMs: 30, pollMs: 10 })).rejects.toThrow(/still held by process/);
  if ('release' in blocker) await blocker.release();
});
