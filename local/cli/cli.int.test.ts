// The CLI's contract, command by command, through the real binary (`node local/cli/fleetlake.js …`): --version, the
// formats, the exit codes (docs/cli.md), a missing lake, a lake that is a file, bad dates. Rows that need no data
// run concurrently; the rest share one small lake (test/fixtures/orchestrate/bronze.ts) and one pipeline run.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FIRST_ARRIVALS, writeBronze } from '../../test/fixtures/orchestrate/bronze';
import { startCli } from '../ingest/test-support';
import { displayNumber } from './format';

const REPO = path.resolve(import.meta.dirname, '../..');
const CLI = path.join(REPO, 'local/cli/fleetlake.js');
const VERSION = (JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { version: string }).version;

const TMP = mkdtempSync(path.join(tmpdir(), 'fleetlake-cli-'));
const MISSING = path.join(TMP, 'no-such-lake');
const FILE = path.join(TMP, 'a-file');
writeFileSync(FILE, 'not a lake\n');
cpSync(path.join(REPO, 'test/fixtures/status'), path.join(TMP, 'status'), { recursive: true }); // status may rewrite records
const HEALTHY = path.join(TMP, 'status/healthy');
const ALARMING = path.join(TMP, 'status/alarming');
afterAll(() => rmSync(TMP, { recursive: true, force: true }));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** The binary with a default lake that does not exist, so no row reads or writes ./.fleetlake by accident. */
function cli(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { cwd: REPO, env: { ...process.env, FLEETLAKE_LAKE: MISSING, ...env }, timeout: 120_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? -1) : 0, stdout, stderr });
    });
  });
}

/** One line on stderr, nothing on stdout. */
const oneLine = (message: RegExp) => ({ stdout: '', stderr: expect.stringMatching(new RegExp(`^fleetlake: ${message.source}[^\\n]*\\n$`)) });

const ID = '20260301T120000000Z-abcdef';
/** Every command, called with what it requires (so the row shows the error under test, not a missing option). */
const COMMANDS: string[][] = [
  ['demo'],
  ['ingest'],
  ['simulate', '--vehicles', '1', '--duration', '1m'],
  ['cost', '--vehicles', '10'],
  ['bench'],
  ['query', 'SELECT 1'],
  ['status'],
  ['features', '--dates', '2026-03-01'],
  ['run'],
  ['executions'],
  ['rerun', ID],
  ['report'],
  ['engines', 'install'],
  ['engines', 'status'],
  ['engines', 'stop'],
];
const WITH_FORMAT = COMMANDS.filter(([c, sub]) => !['demo', 'ingest', 'bench'].includes(c!) && (c !== 'engines' || sub === 'status'));
/** The commands that read the lake; `ingest` and `demo` create it. */
const READ_LAKE = COMMANDS.filter(([c]) => ['query', 'status', 'features', 'run', 'executions', 'rerun', 'report'].includes(c!));
/** `[title, command]` rows for test.each. */
const rows = (commands: string[][]) => commands.map((c) => [c.join(' '), c] as const);

describe('rows that need no data', () => {
  test.concurrent.each([['--version'], ['-V']])('%s prints the package version, exit 0', async (flag) => {
    expect(await cli([flag])).toEqual({ code: 0, stdout: `${VERSION}\n`, stderr: '' });
  });

  test.concurrent('--help lists every command and the exit codes, exit 0', async () => {
    const r = await cli(['--help']);
    expect(r.code).toBe(0);
    for (const [c] of COMMANDS) expect(r.stdout).toMatch(new RegExp(`^  ${c} `, 'm'));
    expect(r.stdout).toContain('Exit codes: 0 success, 1 the work failed, 2 usage or input error, 3 an alarm is firing');
  });

  test.concurrent('no command, or an unknown one, is a usage error: exit 2', async () => {
    expect(await cli([])).toMatchObject({ code: 2, stderr: expect.stringContaining('Usage: fleetlake') });
    expect(await cli(['frobnicate'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/^fleetlake: unknown command 'frobnicate'/) });
  });

  test.concurrent.each(rows(COMMANDS))('%s: an unknown option is a usage error, exit 2', async (_title, command) => {
    const r = await cli([...command, '--bogus']);
    expect(r).toMatchObject({ code: 2, stdout: '', stderr: expect.stringMatching(/^fleetlake: unknown option '--bogus'\n\(run with --help for usage\)\n$/) });
  });

  test.concurrent.each(rows(WITH_FORMAT))('%s: --format xml is a usage error, exit 2', async (_title, command) => {
    const r = await cli([...command, '--format', 'xml']);
    expect(r).toMatchObject({ code: 2, stderr: expect.stringMatching(/^fleetlake: option '--format <format>' argument 'xml' is invalid\. expected table, json, csv/) });
  });

  test.concurrent.each(rows(READ_LAKE))('%s: a missing lake, one line and exit 2', async (_title, command) => {
    expect(await cli([...command, '--lake', MISSING])).toEqual({ code: 2, ...oneLine(/no lake at [^ ]*no-such-lake \(give --lake DIR/) });
  });

  test.concurrent('a missing lake named by FLEETLAKE_LAKE (no --lake): the same line', async () => {
    expect(await cli(['executions'])).toEqual({ code: 2, ...oneLine(/no lake at [^ ]*no-such-lake/) });
  });

  test.concurrent.each(rows([...READ_LAKE, ['demo'], ['ingest']]))('%s: a lake that is a file, one line and exit 2', async (_title, command) => {
    expect(await cli([...command, '--lake', FILE])).toEqual({ code: 2, ...oneLine(/the lake [^ ]*a-file is not a directory/) });
  });

  test.concurrent.each([
    [['run', '--dates', '2026-13-01'], /--dates: invalid date "2026-13-01": expected a calendar day YYYY-MM-DD/],
    [['run', '--dates', '2026-03-01,2026-02-30'], /--dates: invalid date "2026-02-30"/],
    [['run', '--from', '2026-13-01T00:00:00Z', '--to', '2026-03-02T00:00:00Z'], /--from: invalid time "2026-13-01T00:00:00Z": 2026-13-01 is not a calendar date/],
    // Date.parse reads this as March 2: the one parser checks the calendar.
    [['run', '--from', '2026-03-01T00:00:00Z', '--to', '2026-02-30T00:00:00Z'], /--to: invalid time "2026-02-30T00:00:00Z": 2026-02-30 is not a calendar date/],
    [['run', '--from', '2026-03-01', '--to', '2026-03-02'], /--from: invalid time "2026-03-01": expected ISO-8601 with a zone/],
    [['run', '--from', '2026-03-02T00:00:00Z', '--to', '2026-03-01T00:00:00Z'], /--from 2026-03-02T00:00:00Z is not before --to/],
    [['features', '--dates', '2026-13-01'], /--dates: invalid date "2026-13-01"/],
    [['features', '--dates', '["2026-03-01", "2026-13-01"]'], /--dates: invalid date "2026-13-01"/],
    [['report', '--from', '2026-13-01'], /--from: invalid date "2026-13-01"/],
    [['report', '--to', '2026-13-01'], /--to: invalid date "2026-13-01"/],
    [['simulate', '--vehicles', '1', '--duration', '1m', '--start', '2026-13-01T00:00:00Z'], /--start: invalid time "2026-13-01T00:00:00Z": 2026-13-01 is not a calendar date/],
  ])('%j: a bad date or time is a usage error, exit 2, before the lake is looked at', async (args, message) => {
    expect(await cli(args)).toEqual({ code: 2, ...oneLine(message) });
  });

  test.concurrent('status: exit 0 when no alarm fires, 3 while one does (in every format)', async () => {
    const healthy = await cli(['status', '--lake', HEALTHY]);
    expect(healthy).toMatchObject({ code: 0, stderr: '' });
    expect(healthy.stdout).toMatch(/QuarantineRatio\s+0\.5 % <= 1 %\s+OK/);
    expect((await cli(['status', '--lake', HEALTHY, '--format', 'text'])).stdout).toBe(healthy.stdout); // text = table

    const table = await cli(['status', '--lake', ALARMING]);
    expect(table).toMatchObject({ code: 3, stderr: expect.stringMatching(/^fleetlake: \d+ alarms? in ALARM: [^\n]*QuarantineRatio[^\n]*\n$/) });
    const json = await cli(['status', '--lake', ALARMING, '--format', 'json']);
    expect(json.code).toBe(3);
    const alarms = (JSON.parse(json.stdout) as { alarms: Array<{ alarm: string; state: string; value?: number }> }).alarms;
    expect(alarms.find((a) => a.alarm === 'QuarantineRatio')).toMatchObject({ state: 'ALARM' });
    const csv = await cli(['status', '--lake', ALARMING, '--format', 'csv']);
    expect(csv.code).toBe(3);
    expect(csv.stdout.split('\n')[0]).toBe('alarm,rule,state,value,detail,runbook');
    expect(csv.stdout.trimEnd().split('\n')).toHaveLength(alarms.length + 1);
  });

  test.concurrent('query: a SQL error is the work failing, exit 1 (the same SQL that works exits 0)', async () => {
    const lake = mkdtempSync(path.join(TMP, 'q-'));
    expect(await cli(['query', 'SELECT * FROM no_such_table', '--lake', lake])).toEqual({ code: 1, ...oneLine(/query failed: /) });
    expect(await cli(['query', 'SELECT count(*) AS n FROM trips', '--lake', lake])).toEqual({ code: 0, stdout: 'n\n0\n(1 row)\n', stderr: '' });
  });

  test.concurrent('cost: table, json and csv of the same estimate', async () => {
    const args = ['cost', '--vehicles', '1000', '--bench', '/nonexistent/latest.json'];
    const [table, json, csv] = await Promise.all([cli(args), cli([...args, '--format', 'json']), cli([...args, '--format', 'csv'])]);
    expect(table.stdout).toContain('quotas at peak');
    const items = (JSON.parse(json.stdout) as { items: Array<{ item: string; monthly: number }> }).items;
    const lines = csv.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('service,item,quantity,unit,unitPrice,monthly,perVehicle,note');
    expect(lines).toHaveLength(items.length + 1);
    expect(lines[1]).toContain(`,${items[0]!.monthly},`); // full precision, as in the JSON
  });

  test.concurrent('rerun: an id that is not one, is not in the lake, or stopped before Plan is a usage error', async () => {
    const lake = mkdtempSync(path.join(TMP, 'r-'));
    expect(await cli(['rerun', '../etc', '--lake', lake])).toEqual({ code: 2, ...oneLine(/invalid execution id "\.\.\/etc"/) });
    expect(await cli(['rerun', ID, '--lake', lake])).toEqual({ code: 2, ...oneLine(new RegExp(`no execution ${ID} in `)) });
    // A scheduled run killed before Plan returned: its record has no plan, so no window to replay.
    mkdirSync(path.join(lake, '_executions'));
    const record = { executionId: ID, executionArn: `arn:aws:states:local:1:execution:m:${ID}`, stateMachine: 'm', input: {}, status: 'ABORTED', startedAt: '2026-03-01T12:00:00.000Z', stoppedAt: '2026-03-01T12:00:01.000Z', durationMs: 1000, events: [], notifications: [] };
    writeFileSync(path.join(lake, '_executions', `${ID}.json`), JSON.stringify(record));
    expect(await cli(['rerun', ID, '--lake', lake])).toEqual({ code: 2, ...oneLine(new RegExp(`execution ${ID} has no recorded plan .*--same-input starts it with its input \\{\\}`)) });
  });

  test.concurrent('engines status: json and csv list the same engines', async () => {
    const [json, csv] = await Promise.all([cli(['engines', 'status', '--format', 'json']), cli(['engines', 'status', '--format', 'csv'])]);
    const engines = (JSON.parse(json.stdout) as { engines: Array<{ engine: string }> }).engines;
    expect(csv.stdout.trimEnd().split('\n').slice(1).map((l) => l.split(',')[0])).toEqual(engines.map((e) => e.engine));
  });
});

describe('rows on one small lake', () => {
  const lake = path.join(TMP, 'lake');
  let first: Run;
  let firstId: string;

  beforeAll(async () => {
    await writeBronze(lake, FIRST_ARRIVALS);
    first = await cli(['run', '--lake', lake]);
    expect(first).toMatchObject({ code: 0 });
    firstId = (JSON.parse((await cli(['executions', '--lake', lake, '--format', 'json'])).stdout) as Array<{ executionId: string }>)[0]!.executionId;
  }, 180_000);

  test('run prints the summary table when piped too (the default format does not depend on the terminal)', () => {
    expect(first.stdout).toMatch(/^objects\s+5$/m);
    expect(first.stdout).toMatch(/^reconciliation\s+1401 samples = 1400 silver \+ 1 quarantine \+ 0 duplicates \+ 0 conflicts$/m);
  });

  test('executions: table (= text, = the default), json and csv', async () => {
    const [plain, table, text, json, csv] = (await Promise.all(
      [[], ['--format', 'table'], ['--format', 'text'], ['--format', 'json'], ['--format', 'csv']].map((f) => cli(['executions', '--lake', lake, ...f])),
    )) as [Run, Run, Run, Run, Run];
    expect(table.stdout).toBe(plain.stdout);
    expect(text.stdout).toBe(plain.stdout);
    expect(plain.stdout.split('\n')[1]).toMatch(new RegExp(`^${firstId}\\s+SUCCEEDED\\s+\\S+\\s+\\d+\\.\\d s\\s+\\{\\}$`));
    expect(JSON.parse(json.stdout)).toEqual([expect.objectContaining({ executionId: firstId, status: 'SUCCEEDED', input: {} })]);
    expect(csv.stdout.split('\n').slice(0, 2)).toEqual(['id,status,error,started,duration_s,input,rerun_of,started_by', expect.stringMatching(new RegExp(`^${firstId},SUCCEEDED,,[^,]+,[\\d.]+,{},,$`))]);
  }, 60_000);

  test('query: the table rounds for display, json and csv keep full precision', async () => {
    const sql = 'SELECT count(*) AS n, avg(fuel_level_pct) AS fuel FROM telemetry';
    const [table, json, csv] = (await Promise.all(['table', 'json', 'csv'].map((f) => cli(['query', sql, '--lake', lake, '--format', f])))) as [Run, Run, Run];
    const [row] = JSON.parse(json.stdout) as Array<{ n: number; fuel: number }>;
    expect(row!.n).toBe(1400);
    expect(String(row!.fuel).replace(/^\d+\.?/, '').length).toBeGreaterThan(6); // more digits than the table shows
    expect(table.stdout.split('\n')[1]).toBe(`1400  ${displayNumber(row!.fuel).padStart(4)}`);
    expect(csv.stdout).toBe(`n,fuel\n1400,${row!.fuel}\n`);
  }, 60_000);

  test('features: a table by default (not raw JSON); --format json has the same figures at full precision', async () => {
    const table = await cli(['features', '--dates', '2026-03-01', '--lake', lake]);
    const json = await cli(['features', '--dates', '2026-03-01', '--lake', lake, '--format', 'json']);
    expect([table.code, json.code]).toEqual([0, 0]);
    expect(() => JSON.parse(table.stdout)).toThrow();
    expect(table.stdout).toMatch(/^dates rebuilt\s+1 \(2026-03-01\)$/m);
    expect(table.stdout).toMatch(/^duration\s+\d+\.\d s$/m);
    const r = JSON.parse(json.stdout) as { dates: string[]; rows: Record<string, number>; seconds: number };
    expect(r.dates).toEqual(['2026-03-01']);
    expect(r.rows.telemetry).toBe(1400 - 100); // V3 drives 10 of its 20 s after midnight
    for (const [t, n] of Object.entries(r.rows)) expect(table.stdout).toMatch(new RegExp(`^  ${t}\\s+${n}$`, 'm'));
  }, 120_000);

  test('rerun of a scheduled {} run replays the window it planned; --same-input replays {} (everything since the watermark now)', async () => {
    // One object arrives after the first run: a replay of that run must not take it; `{}` must.
    const now = Date.now();
    await writeBronze(lake, [{ arrival: new Date(now - 60_000).toISOString(), landed: new Date(now).toISOString(), vehicles: ['V9'], start: new Date(now - 120_000).toISOString(), seconds: 2, uuid: '00000000-0000-4000-8000-000000000099' }]);
    const planned = await cli(['rerun', firstId, '--lake', lake, '--format', 'json']);
    expect(planned).toMatchObject({ code: 0 });
    const p = JSON.parse(planned.stdout) as { status: string; input: Record<string, string>; summary: { objects: number; samples: number } };
    expect(p.status).toBe('SUCCEEDED');
    expect(p.input).toEqual({ from: '2026-03-01T10:05:00.000Z', to: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/) });
    expect(p.summary).toMatchObject({ objects: 5, samples: 1401 });

    const same = await cli(['rerun', firstId, '--same-input', '--lake', lake, '--format', 'json']);
    const s = JSON.parse(same.stdout) as { input: unknown; summary: { objects: number; samples: number } };
    expect(s.input).toEqual({});
    expect(s.summary).toMatchObject({ objects: 1, samples: 20 });

    const list = JSON.parse((await cli(['executions', '--lake', lake, '--format', 'json'])).stdout) as Array<{ rerunOf?: string; input: unknown }>;
    expect(list.slice(0, 2).map((e) => [e.rerunOf, e.input])).toEqual([[firstId, {}], [firstId, p.input]]);
  }, 180_000);

  test('report: --format json describes the file it wrote', async () => {
    const out = path.join(TMP, 'report.html');
    const r = await cli(['report', '--lake', lake, '--out', out, '--format', 'json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ path: out, vehicles: expect.any(Number), bytes: readFileSync(out).length });
  }, 120_000);

  test('simulate: --format json counts what it published', async () => {
    const ingestLake = path.join(TMP, 'ingest-lake');
    const ingest = await startCli(ingestLake);
    try {
      const r = await cli(['simulate', '--vehicles', '2', '--duration', '10s', '--seed', '7', '--broker', ingest.url, '--format', 'json']);
      expect(r.code).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ vehicles: 2, samples: expect.any(Number), messages: expect.any(Number), virtual_seconds: 10 });
    } finally {
      ingest.child.kill('SIGTERM');
      await ingest.exited;
    }
  }, 60_000);
});
