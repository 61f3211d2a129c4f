import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { processAlive, tryLock, waitForLock, type HeldLock, type LockOwner } from '../../lib/store/file-lock';

/**
 * One pipeline run at a time per lake: `<lake>/_executions/run.lock`, held by the `fleetlake run` (or `rerun`,
 * `demo`) process for its whole chain of executions. A second run waits for it, or fails at once with
 * `--no-wait`; a lock left by a killed process is taken over (lib/store/file-lock.ts).
 */
export const runLockFile = (lake: string): string => path.join(lake, '_executions', 'run.lock');

export class LakeBusyError extends Error {
  override name = 'LakeBusyError';
}

export function describeHolder(h: LockOwner): string {
  return `process ${h.pid}${h.since ? `, running since ${String(h.since)}` : ''}`;
}

export async function acquireRunLock(
  lake: string,
  options: { wait: boolean; onWait?: (holder: LockOwner) => void },
): Promise<HeldLock> {
  const detail = { since: new Date().toISOString() };
  if (options.wait) return waitForLock(runLockFile(lake), { detail, pollMs: 250, onWait: options.onWait });
  const r = await tryLock(runLockFile(lake), detail);
  if ('release' in r) return r;
  throw new LakeBusyError(`another pipeline run holds ${lake} (${describeHolder(r.heldBy)}); wait for it, or run again without --no-wait to queue behind it`);
}

/** The live process holding the run lock, or null when nobody does. */
export async function runLockHolder(lake: string): Promise<LockOwner | null> {
  try {
    const owner = JSON.parse(await readFile(runLockFile(lake), 'utf8')) as LockOwner;
    return processAlive(owner) ? owner : null;
  } catch {
    return null;
  }
}
