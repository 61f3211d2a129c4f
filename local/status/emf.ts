import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** One metric of one EMF line, under one dimension set, as CloudWatch would store it. */
export interface Datapoint {
  timestamp: number; // epoch ms
  namespace: string;
  name: string;
  unit?: string;
  dimensions: Record<string, string>;
  values: number[];
}

interface EmfDirective {
  Namespace: string;
  Dimensions: string[][];
  Metrics: Array<{ Name: string; Unit?: string }>;
}

/**
 * Parses one line of Powertools EMF output (the CloudWatch embedded metric format). A line with several
 * dimension sets yields one datapoint per set, like CloudWatch. Not an EMF line → [].
 */
export function parseEmfLine(line: string): Datapoint[] {
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return [];
  }
  const aws = doc?._aws as { Timestamp?: number; CloudWatchMetrics?: EmfDirective[] } | undefined;
  if (!aws || typeof aws.Timestamp !== 'number' || !Array.isArray(aws.CloudWatchMetrics)) return [];
  const out: Datapoint[] = [];
  for (const d of aws.CloudWatchMetrics) {
    for (const dimSet of d.Dimensions ?? [[]]) {
      const dimensions = Object.fromEntries(dimSet.map((k) => [k, String(doc[k])]));
      for (const m of d.Metrics ?? []) {
        const raw = doc[m.Name];
        const values = (Array.isArray(raw) ? raw : [raw]).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
        if (values.length) out.push({ timestamp: aws.Timestamp, namespace: d.Namespace, name: m.Name, unit: m.Unit, dimensions, values });
      }
    }
  }
  return out;
}

export interface EmfRead {
  datapoints: Datapoint[];
  files: number;
  lines: number;
  skipped: number; // non-empty lines that were not EMF (log lines, torn writes)
}

/** Reads every `<lake>/_metrics/*.ndjson` file (raw EMF lines collected from local runs). */
export function readMetrics(lake: string): EmfRead {
  const dir = path.join(lake, '_metrics');
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.ndjson')).sort();
  } catch {
    return { datapoints: [], files: 0, lines: 0, skipped: 0 };
  }
  const read: EmfRead = { datapoints: [], files: names.length, lines: 0, skipped: 0 };
  for (const n of names) {
    for (const line of readFileSync(path.join(dir, n), 'utf8').split('\n')) {
      if (!line.trim()) continue;
      read.lines++;
      const dps = parseEmfLine(line);
      if (dps.length) read.datapoints.push(...dps);
      else read.skipped++;
    }
  }
  return read;
}

/** True when the datapoint's dimension set is exactly `keys` (CloudWatch metric identity) and the given values match. */
export function matchesDimensions(dp: Datapoint, want: Record<string, string>, keys: string[]): boolean {
  const have = Object.keys(dp.dimensions);
  if (have.length !== keys.length || !keys.every((k) => k in dp.dimensions)) return false;
  return Object.entries(want).every(([k, v]) => dp.dimensions[k] === v);
}

export interface MetricTotal {
  namespace: string;
  name: string;
  dimensions: Record<string, string>;
  unit?: string;
  sum: number;
  count: number;
  max: number;
}

/** Totals per (namespace, metric, dimension set and values), sorted for stable output. */
export function metricTotals(dps: Datapoint[]): MetricTotal[] {
  const by = new Map<string, MetricTotal>();
  for (const dp of dps) {
    const dims = Object.entries(dp.dimensions).sort(([a], [b]) => a.localeCompare(b));
    const key = JSON.stringify([dp.namespace, dp.name, dims]);
    let t = by.get(key);
    if (!t) by.set(key, (t = { namespace: dp.namespace, name: dp.name, dimensions: Object.fromEntries(dims), unit: dp.unit, sum: 0, count: 0, max: -Infinity }));
    for (const v of dp.values) {
      t.sum += v;
      t.count++;
      t.max = Math.max(t.max, v);
    }
  }
  const key = (t: MetricTotal) => JSON.stringify([t.dimensions.function ?? '', t.name, Object.keys(t.dimensions).length, t.dimensions]);
  return [...by.values()].sort((a, b) => key(a).localeCompare(key(b)));
}
