import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** A local execution (`<lake>/_executions/<id>.json`, written by `fleetlake run`), reduced to what status needs. */
export interface ExecutionSummary {
  id: string;
  status: string; // RUNNING | SUCCEEDED | FAILED | TIMED_OUT | ABORTED
  input: unknown;
  start?: number; // epoch ms
  stop?: number;
  error?: string;
  /** Failed attempts per Task state name (StateFailed events of aws-local-stepfunctions). */
  stateFailures: Record<string, number>;
}

const toMs = (v: unknown): number | undefined => {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string') {
    const t = Date.parse(v);
    return Number.isNaN(t) ? undefined : t;
  }
  return undefined;
};

/** An event of the history: `fleetlake run` writes `{at, type, state: "<name>", error, cause}` (local/stepfunctions/history.ts). */
interface RawEvent {
  type?: string;
  at?: string;
  timestamp?: number | string;
  state?: string | { name?: string; type?: string };
}

/** Normalises one history document (the `ExecutionRecord` of local/stepfunctions/history.ts; older spellings tolerated). */
export function summariseExecution(doc: Record<string, unknown>, fallbackId: string): ExecutionSummary {
  const events = (Array.isArray(doc.events) ? doc.events : []) as RawEvent[];
  const stateFailures: Record<string, number> = {};
  for (const e of events) {
    // aws-local-stepfunctions logs one StateFailed per failed attempt (retried or caught); a Fail state logs one too.
    if (e.type !== 'StateFailed' || (typeof e.state === 'object' && e.state.type && e.state.type !== 'Task')) continue;
    const name = typeof e.state === 'string' ? e.state : e.state?.name;
    if (name) stateFailures[name] = (stateFailures[name] ?? 0) + 1;
  }
  const err = doc.error as { Error?: string; error?: string } | string | undefined;
  const error = typeof err === 'string' ? err : err ? String(err.Error ?? err.error ?? '') || undefined : undefined;
  const firstTs = toMs(events[0]?.at ?? events[0]?.timestamp);
  const lastTs = toMs(events.at(-1)?.at ?? events.at(-1)?.timestamp);
  return {
    id: String(doc.executionId ?? doc.id ?? doc.name ?? fallbackId),
    status: String(doc.status ?? 'UNKNOWN').toUpperCase(),
    input: doc.input,
    start: toMs(doc.startedAt ?? doc.startDate ?? doc.start) ?? firstTs,
    stop: toMs(doc.stoppedAt ?? doc.stopDate ?? doc.stop) ?? (doc.status && doc.status !== 'RUNNING' ? lastTs : undefined),
    error,
    stateFailures,
  };
}

/** All executions of the lake, newest first. Unreadable files are reported, not fatal. */
export function readExecutions(lake: string): { executions: ExecutionSummary[]; unreadable: string[] } {
  const dir = path.join(lake, '_executions');
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.json'));
  } catch {
    return { executions: [], unreadable: [] };
  }
  const executions: ExecutionSummary[] = [];
  const unreadable: string[] = [];
  for (const n of names) {
    try {
      const doc = JSON.parse(readFileSync(path.join(dir, n), 'utf8')) as Record<string, unknown>;
      executions.push(summariseExecution(doc, n.replace(/\.json$/, '')));
    } catch {
      unreadable.push(n);
    }
  }
  executions.sort((a, b) => (b.start ?? 0) - (a.start ?? 0) || b.id.localeCompare(a.id));
  return { executions, unreadable };
}
