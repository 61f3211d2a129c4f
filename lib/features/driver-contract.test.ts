import { describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT, requireVenvBin } from '../../local/engines/paths';
import { neighbourWindow, parseDatesArgument } from './dates';
import { checkSteps, loadSqlSteps, loadStep, parseHeader, SQL_DIR } from './sql-steps';

/**
 * The features driver contract, TypeScript side: the shared cases in test/fixtures/features/driver-contract.json
 * (glue-jobs/test_features_lib.py reads the same file), and the repository's own SQL files parsed by both drivers.
 */
interface Contract {
  headers: Array<{ name: string; file: string; sql: string; expect?: Record<string, unknown>; error?: string }>;
  steps: Array<{ name: string; files: Record<string, string>; expect?: Array<[string, string]>; error?: string }>;
  dates: Array<{ name: string; arg: string; expandNeighbours?: boolean; expect?: string[]; error?: string }>;
}
const CONTRACT = JSON.parse(readFileSync(path.join(REPO_ROOT, 'test/fixtures/features/driver-contract.json'), 'utf8')) as Contract;

/** The TypeScript parse in the fixture's (Python's) spelling. */
const asFixture = (h: ReturnType<typeof parseHeader>) => ({ number: h.number, table: h.table, layer: h.layer, grain: h.grain, sort_by: h.sortBy, inputs: h.inputs });

describe('the features driver contract (shared fixture)', () => {
  it.each(CONTRACT.headers.map((c) => [c.name, c] as const))('header: %s', (_name, c) => {
    if (c.error) expect(() => parseHeader(c.file, c.sql)).toThrow(c.error);
    else expect(asFixture(parseHeader(c.file, c.sql))).toEqual(c.expect);
  });

  it.each(CONTRACT.steps.map((c) => [c.name, c] as const))('steps: %s', (_name, c) => {
    const load = () => checkSteps(Object.keys(c.files).sort().map((f) => loadStep(f, c.files[f] as string)));
    if (c.error) expect(load).toThrow(c.error);
    else expect(load().map((s) => [s.number, s.table])).toEqual(c.expect);
  });

  it.each(CONTRACT.dates.map((c) => [c.name, c] as const))('--dates: %s', (_name, c) => {
    const parse = () => {
      const dates = parseDatesArgument(c.arg);
      return c.expandNeighbours ? neighbourWindow(dates, 1) : dates;
    };
    if (c.error) expect(parse).toThrow(c.error);
    else expect(parse()).toEqual(c.expect);
  });

  it('a trailing semicolon is not part of the SQL', () => {
    expect(loadStep('01_a.sql', '-- grain: g\n-- layer: gold\n-- sort_by: a\n-- input: telemetry_parts\nselect 1 as a ;\n').sql).toMatch(/select 1 as a$/);
  });
});

describe('both drivers read the repository SQL alike', () => {
  it('glue-jobs/features_lib.py (the Glue job) and lib/features/sql-steps.ts give the same steps', async () => {
    const ts = (await loadSqlSteps()).map((s) => ({ ...asFixture(s), sql: s.sql, file: s.file }));
    const script = 'import json, sys; sys.path.insert(0, sys.argv[1]); import features_lib as l; print(json.dumps(l.load_steps(sys.argv[2])))';
    const r = spawnSync(requireVenvBin('python'), ['-c', script, path.join(REPO_ROOT, 'glue-jobs'), SQL_DIR], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual(ts);
    expect(ts.map((s) => s.table)).toEqual(['telemetry', 'trips', 'battery_events', 'dtc_events', 'vehicle_daily', 'trips_public']);
  });
});
