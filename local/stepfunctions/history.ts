import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * Local execution history: `<lake>/_executions/<execution-id>.json`, the twin of the Step Functions console's
 * execution list and event history. Written when an execution starts, as it enters each top-level state, and when
 * it stops, so a killed run shows up as RUNNING with the state it was in.
 */
export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED';

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

export async function writeExecution(lake: string, record: ExecutionRecord): Promise<void> {
  const file = executionFile(lake, record.executionId);
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(tmp, `${JSON.stringify(record, null, 2)}\n`);
  await rename(tmp, file);
}

export async function readExecution(lake: string, id: string): Promise<ExecutionRecord> {
  try {
    return JSON.parse(await readFile(executionFile(lake, id), 'utf8')) as ExecutionRecord;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(`no execution ${id} in ${path.join(lake, EXECUTIONS_DIR)}`, { cause: err });
    throw err;
  }
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
