import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { PlanResult } from '../../lib/pipeline/plan';
import { processAlive, type ProcessId } from '../../lib/store/file-lock';
import { runLockHolder } from './run-lock';

/**
 * Local execution history: `<lake>/_executions/<execution-id>.json`, the twin of the Step Functions console's
 * execution list and event history. Written when an execution starts, as it enters each top-level state, and when
 * it stops. A RUNNING record names its process: once that process is gone (killed outright), the record is
 * rewritten ABORTED by the next `fleetlake run`, `executions` or `status` (abortStale).
 */
export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'ABORTED';

export interface HistoryEvent {
  at: string;
  type: string;
  state?: string;
  /** Map iteration index, for events inside the Map. */
  index?: number;
  error?: string;
  cause?: string;
  input?: unknown;
  output?: unknown;
  detail?: unknown;
}

export interface Notification {
  at: string;
  state: string;
  topicArn: string;
  subject?: string;
  message: string;
  messageAttributes?: Record<string, unknown>;
}

export interface ExecutionRecord {
  executionId: string;
  executionArn: string;
  stateMachine: string;
  input: unknown;
  status: ExecutionStatus;
  startedAt: string;
  stoppedAt: string | null;
  durationMs: number | null;
  /** The execution whose Continue state started this one. */
  startedBy?: string;
  /** `fleetlake rerun <id>`: the execution whose input this one reuses. */
  rerunOf?: string;
  /** The follow-up execution this one started (a capped plan). */
  continuedAs?: string;
  /** The `fleetlake` process running it (pid and start time). */
  process?: ProcessId;
  events: HistoryEvent[];
  notifications: Notification[];
  output?: unknown;
  error?: string;
  cause?: string;
}

export const EXECUTIONS_DIR = '_executions';

/** Sortable, unique, valid as a Step Functions execution name: `20260301T120000123Z-1a2b3c`. */
export function newExecutionId(now = new Date()): string {
  return `${now.toISOString().replace(/[-:.]/g, '')}-${randomBytes(3).toString('hex')}`;
}

export function executionFile(lake: string, id: string): string {
  if (!/^[A-Za-z0-9_-]{1,80}$/.test(id)) throw new Error(`invalid execution id ${JSON.stringify(id)}`);
  return path.join(lake, EXECUTIONS_DIR, `${id}.json`);
}

const NO_SPACE = new Set(['ENOSPC', 'EDQUOT', 'EFBIG']);

/**
 * Atomic (temp file + rename). When the disk is full, the record is written without its events over the previous
 * one in place (that reuses its blocks), so a run that fails on ENOSPC still ends FAILED, not RUNNING.
 */
export async function writeExecution(lake: string, record: ExecutionRecord): Promise<void> {
  const file = executionFile(lake, record.executionId);
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(tmp, `${JSON.stringify(record, null, 2)}\n`);
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    if (!NO_SPACE.has((err as NodeJS.ErrnoException).code ?? '') || !(await overwriteInPlace(file, `${JSON.stringify({ ...record, events: [] })}\n`))) throw err;
  }
}

async function overwriteInPlace(file: string, text: string): Promise<boolean> {
  const fh = await open(file, 'r+').catch(() => null);
  if (!fh) return false;
  try {
    const bytes = Buffer.from(text);
    if (bytes.length > (await fh.stat()).size) return false;
    await fh.write(bytes, 0, bytes.length, 0);
    await fh.truncate(bytes.length);
    return true;
  } finally {
    await fh.close();
  }
}

export async function readExecution(lake: string, id: string): Promise<ExecutionRecord> {
  try {
    return JSON.parse(await readFile(executionFile(lake, id), 'utf8')) as ExecutionRecord;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(`no execution ${id} in ${path.join(lake, EXECUTIONS_DIR)}`, { cause: err });
    throw err;
  }
}

/** What the execution's Plan state returned (the `plan` of its output), or undefined when it did not get that far. */
export function plannedWork(record: ExecutionRecord): PlanResult | undefined {
  const exited = record.events.find((e) => e.type === 'StateExited' && e.state === 'Plan' && e.index === undefined);
  return (exited?.output as { plan?: PlanResult } | undefined)?.plan;
}

/** Every recorded execution, newest first. */
export async function listExecutions(lake: string): Promise<ExecutionRecord[]> {
  let files: string[];
  try {
    files = (await readdir(path.join(lake, EXECUTIONS_DIR))).filter((f) => f.endsWith('.json'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const records = await Promise.all(files.map(async (f) => JSON.parse(await readFile(path.join(lake, EXECUTIONS_DIR, f), 'utf8')) as ExecutionRecord));
  return records.sort((a, b) => (a.startedAt === b.startedAt ? (a.executionId < b.executionId ? 1 : -1) : a.startedAt < b.startedAt ? 1 : -1));
}

/**
 * Rewrites RUNNING records whose process is gone as ABORTED (what the Step Functions console shows for a stopped
 * execution). A record is stale when its process no longer runs, or when nobody holds the lake's run lock (records
 * written before processes were recorded). `lockHeld`: the caller holds the run lock, so every RUNNING record of
 * another process is stale. Returns the ids aborted.
 */
export async function abortStale(lake: string, options: { lockHeld?: boolean } = {}): Promise<string[]> {
  const running = (await listExecutions(lake)).filter((r) => r.status === 'RUNNING' && r.process?.pid !== process.pid);
  if (!running.length) return [];
  const nobodyRuns = options.lockHeld === true || (await runLockHolder(lake)) === null;
  const aborted: string[] = [];
  for (const r of running) {
    if (!nobodyRuns && (!r.process || processAlive(r.process))) continue;
    const state = [...r.events].reverse().find((e) => e.type === 'StateEntered' && e.index === undefined)?.state;
    r.status = 'ABORTED';
    r.stoppedAt = r.events.at(-1)?.at ?? r.startedAt;
    r.durationMs = Date.parse(r.stoppedAt) - Date.parse(r.startedAt);
    r.cause = `process ${r.process?.pid ?? '?'} ended without recording a result${state ? ` (last state: ${state})` : ''}`;
    r.events.push({ at: new Date().toISOString(), type: 'ExecutionAborted', cause: r.cause });
    await writeExecution(lake, r);
    aborted.push(r.executionId);
  }
  return aborted;
}
