import type { AlarmResult } from './evaluate';
import { evaluateAlarms, latestActivity } from './evaluate';
import type { MetricTotal } from './emf';
import { metricTotals, readMetrics } from './emf';
import type { ExecutionSummary } from './executions';
import { readExecutions } from './executions';
import type { AlarmRule } from './rules';
import { loadAlarmRules } from './rules';
import { loadTaskFunctions } from './task-functions';

export interface LakeStatus {
  lake: string;
  executions: ExecutionSummary[];
  unreadableExecutions: string[];
  metrics: { files: number; lines: number; skipped: number; totals: MetricTotal[] };
  windowEnd?: number;
  alarms: AlarmResult[];
}

/** Everything `fleetlake status` shows, computed from the lake folder alone. */
export function lakeStatus(lake: string, options: { rules?: AlarmRule[]; end?: number; aslFile?: string } = {}): LakeStatus {
  const rules = options.rules ?? loadAlarmRules();
  const { executions, unreadable } = readExecutions(lake);
  const m = readMetrics(lake);
  const functions = [...new Set(rules.flatMap((r) => (r.kind !== 'event' && r.functions) || []))];
  const taskFunctions = loadTaskFunctions(functions, options.aslFile);
  const input = { datapoints: m.datapoints, executions, taskFunctions, end: options.end };
  return {
    lake,
    executions,
    unreadableExecutions: unreadable,
    metrics: { files: m.files, lines: m.lines, skipped: m.skipped, totals: metricTotals(m.datapoints) },
    windowEnd: options.end ?? latestActivity(input),
    alarms: evaluateAlarms(rules, input),
  };
}

function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd());
}

const iso = (ms?: number) => (ms === undefined ? '-' : new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z'));
const duration = (e: ExecutionSummary) => (e.start !== undefined && e.stop !== undefined ? `${((e.stop - e.start) / 1000).toFixed(1)} s` : '-');
const fmt = (v: number) => (Number.isInteger(v) ? String(v) : v.toFixed(2));

/** Plain-text report: last executions, metric totals, alarms. */
export function formatStatus(s: LakeStatus, last = 5): string {
  const out: string[] = [`fleetlake status: ${s.lake}`, ''];
  out.push(`Executions (${Math.min(last, s.executions.length)} newest of ${s.executions.length}, from _executions/)`);
  if (s.executions.length) {
    const rows = [['id', 'status', 'started', 'duration', 'input'], ...s.executions.slice(0, last).map((e) => [e.id, e.status + (e.error ? ` (${e.error})` : ''), iso(e.start), duration(e), JSON.stringify(e.input ?? {})])];
    out.push(...table(rows).map((l) => `  ${l}`));
  } else out.push('  none yet: run `fleetlake run`');
  if (s.unreadableExecutions.length) out.push(`  unreadable: ${s.unreadableExecutions.join(', ')}`);
  out.push('', `Metrics (EMF totals from _metrics/: ${s.metrics.lines} lines in ${s.metrics.files} files${s.metrics.skipped ? `, ${s.metrics.skipped} non-EMF lines skipped` : ''})`);
  if (s.metrics.totals.length) {
    const rows = [
      ['function', 'metric', 'dimensions', 'sum', 'max', 'unit'],
      ...s.metrics.totals.map((t) => {
        const { function: fn, service: _s, stage: _st, ...rest } = t.dimensions;
        const extra = Object.entries(rest).map(([k, v]) => `${k}=${v}`).join(',');
        return [fn ?? '-', t.name, extra || '-', fmt(t.sum), fmt(t.max), t.unit ?? ''];
      }),
    ];
    out.push(...table(rows).map((l) => `  ${l}`));
  } else out.push('  none yet');
  out.push('', `Alarms (rules of resources/alarm-rules.yml; window ends ${iso(s.windowEnd)})`);
  out.push(...table(s.alarms.map((a) => [a.alarm, a.detail, a.state])).map((l) => `  ${l}`));
  const firing = s.alarms.filter((a) => a.state === 'ALARM');
  if (firing.length) out.push('', `${firing.length} in ALARM; see docs/runbook.md#${firing.map((a) => a.runbook).join(', #')}`);
  return `${out.join('\n')}\n`;
}
