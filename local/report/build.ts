import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseDates } from '../../lib/features/dates';
import type { QueryEngine } from '../../lib/query/port';
import { openLocalQueryEngine } from '../engine/query';
import { collectReportData, lakeDateRange, type ReportRange } from './data';
import { renderReport } from './html';

/** `fleetlake report` and the demo: read the lake, render the page, write it in one rename. */

export interface ReportOptions {
  lake: string;
  /** Inclusive UTC dates, YYYY-MM-DD; each defaults to the lake's first / last day of data. */
  from?: string;
  to?: string;
  /** Default `<lake>/report/index.html`. */
  out?: string;
  /** An engine already open on the lake (the demo's); otherwise one is opened and closed here. */
  engine?: QueryEngine;
  now?: Date;
}

export interface ReportResult {
  path: string;
  bytes: number;
  range: ReportRange | null;
  vehicles: number;
  seconds: number;
}

/** A bad range or date: the CLI turns it into a usage error (exit 2). */
export class ReportInputError extends Error {}

export const defaultReportPath = (lake: string) => path.join(lake, 'report', 'index.html');

/** Validates `--from`/`--to` (real YYYY-MM-DD days, from <= to); throws a one-line ReportInputError otherwise. */
export function checkRange(from?: string, to?: string): void {
  for (const [flag, d] of [['--from', from], ['--to', to]] as const) {
    if (d === undefined) continue;
    try {
      parseDates([d]);
    } catch (err) {
      throw new ReportInputError(`${flag}: ${(err as Error).message}`, { cause: err });
    }
  }
  if (from && to && from > to) throw new ReportInputError(`--from ${from} is after --to ${to}`);
}

export async function writeReport(o: ReportOptions): Promise<ReportResult> {
  const t0 = performance.now();
  checkRange(o.from, o.to);
  const lake = path.resolve(o.lake);
  const engine = o.engine ?? (await openLocalQueryEngine({ lake }));
  let page: string;
  let range: ReportRange | null;
  let vehicles: number;
  try {
    const data = await lakeDateRange(engine);
    const from = o.from ?? data?.from ?? o.to;
    const to = o.to ?? data?.to ?? o.from;
    range = from && to ? { from, to } : null;
    if (range && range.from > range.to) throw new ReportInputError(`${range.from} .. ${range.to} is an empty range: the lake has data for ${data?.from} .. ${data?.to}`);
    const today = (o.now ?? new Date()).toISOString().slice(0, 10);
    const d = await collectReportData(engine, lake, range ?? { from: today, to: today }, o.now);
    vehicles = d.latest.length;
    page = renderReport(d, lake);
  } finally {
    if (!o.engine) await engine.close();
  }
  const out = path.resolve(o.out ?? defaultReportPath(lake));
  await mkdir(path.dirname(out), { recursive: true });
  // Readers (a browser reloading the file) never see half a page.
  const tmp = `${out}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(tmp, page);
    await rename(tmp, out);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  return { path: out, bytes: Buffer.byteLength(page), range, vehicles, seconds: (performance.now() - t0) / 1000 };
}
