import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { chromium, type BrowserContext } from 'playwright-core';
import { openLocalQueryEngine } from '../engine/query';
import { D1, D2 } from '../../test/fixtures/silver/features-fixture';
import * as fx from '../../test/fixtures/report/fixture-lake';
import { vehicleStatuses } from './attention';
import { partialDay } from './charts';
import { collectReportData, type ReportData } from './data';
import { quarantineByReason } from './html';

/**
 * `fleetlake report` end to end on the report fixture lake (test/fixtures/report/fixture-lake.ts): the CLI, the data
 * the page shows (known answers), and the page itself in Debian's Chromium with the network blocked.
 */
const run = promisify(execFile);
const CLI = path.resolve(import.meta.dirname, '../cli/fleetlake.js');
const CHROMIUM = '/usr/bin/chromium';
/** Git-ignored: the screenshot a reviewer looks at. */
const ARTIFACTS = path.resolve(import.meta.dirname, '../../test-artifacts');

let lake: string;
let stdout: string;
beforeAll(async () => {
  lake = await fx.writeReportFixtureLake();
  ({ stdout } = await run(process.execPath, [CLI, 'report', '--lake', lake], { timeout: 120_000 }));
}, 240_000);
afterAll(() => rm(lake, { recursive: true, force: true }));

const reportFile = () => path.join(lake, 'report', 'index.html');

describe('fleetlake report (CLI)', () => {
  test('writes <lake>/report/index.html by default and says where, for the lake’s whole range', () => {
    expect(stdout).toMatch(new RegExp(`^report: ${reportFile().replace(/[/.]/g, '\\$&')} \\(5 vehicles, ${D1} \\.\\. ${D2}, \\d+ KiB\\) in [\\d.]+ s\\n$`));
    expect(existsSync(reportFile())).toBe(true);
  });

  test('the page is self-contained: no URL to fetch, a CSP that forbids network access', async () => {
    const page = await readFile(reportFile(), 'utf8');
    expect(page).toContain(`content="default-src 'none';`);
    expect(page.match(/\b(?:src|href)\s*=\s*["'](?!#|data:)/gi)).toBeNull();
    expect(page.match(/\burl\((?!#|data:)/gi)).toBeNull();
  });

  test.each([
    // The message after the flag is the shared date parser's (lib/features/dates.ts).
    [['--from', '2026-13-01'], /^fleetlake: --from: invalid date "2026-13-01": [^\n]*YYYY-MM-DD\n$/],
    [['--to', '03/02/2026'], /^fleetlake: --to: invalid date "03\/02\/2026": [^\n]*YYYY-MM-DD\n$/],
    [['--from', D2, '--to', D1], /^fleetlake: --from 2026-03-02 is after --to 2026-03-01\n$/],
  ])('bad dates %j: one line and exit 2', async (args, message) => {
    await expect(run(process.execPath, [CLI, 'report', '--lake', lake, ...args])).rejects.toMatchObject({ code: 2, stderr: expect.stringMatching(message) });
  }, 30_000);

  test('a missing lake: one line and exit 2', async () => {
    const missing = path.join(lake, 'no-such-lake');
    await expect(run(process.execPath, [CLI, 'report', '--lake', missing])).rejects.toMatchObject({ code: 2, stderr: expect.stringMatching(/^fleetlake: [^\n]*no-such-lake[^\n]*\n$/) });
  }, 30_000);
});

describe('what the report shows, on the fixture lake (known answers)', () => {
  let d: ReportData;
  beforeAll(async () => {
    const engine = await openLocalQueryEngine({ lake, threads: 1 });
    try {
      d = await collectReportData(engine, lake, fx.RANGE, new Date('2026-03-02T12:30:00Z'));
    } finally {
      engine.close();
    }
  });

  test('the unhealthy vehicle is first, for each of its reasons; the healthy ones are live and unflagged', () => {
    const vs = vehicleStatuses(d);
    expect(d.asOf).toBe('2026-03-02T12:00:00.000Z');
    const [first, ...rest] = vs;
    expect(first!.vehicleId).toBe(fx.UNHEALTHY);
    expect(first!.reasons.map((r) => r.kind)).toEqual(['offline', 'battery', 'dtc', 'vampire_drain']);
    expect(first!.freshness).toBe('offline');
    expect(first!.batteryV).toBeLessThan(11.5);
    expect(first!.dtcs.map((x) => x.code)).toEqual(['P0562']);
    // Silent from the first sample below 11.5 V (about 09:27) to the newest sample at 12:00.
    expect(first!.sinceMs! / 60_000).toBeGreaterThan(150);
    expect(first!.sinceMs! / 60_000).toBeLessThan(155);
    for (const v of rest) {
      expect(v.reasons).toEqual([]);
      expect(v.freshness).toBe('live');
    }
    expect(rest.map((v) => v.vehicleId)).toEqual(fx.VEHICLES.filter((v) => v !== fx.UNHEALTHY));
  });

  test('trips: three per vehicle, 10 minutes at 50 km/h each', () => {
    expect(d.trips).toHaveLength(fx.VEHICLES.length * fx.TRIPS_PER_VEHICLE);
    for (const t of d.trips) {
      expect(t.durationS).toBeCloseTo(fx.TRIP_S - 0.1, 1);
      expect(t.distanceKm).toBeCloseTo((fx.SPEED_KMH * (fx.TRIP_S - 0.1)) / 3600, 1);
    }
    expect(new Set(d.tracks.map((t) => t.vehicleId)).size).toBe(fx.VEHICLES.length);
  });

  test('pipeline health: the 1st is a full day, the 2nd partial; quarantine by reason; the execution', () => {
    expect(d.days.map((x) => [x.dt, partialDay(x)])).toEqual([[D1, false], [D2, true]]);
    const q = quarantineByReason(d.quality);
    expect(q.reasons).toEqual([{ reason: 'out_of_range', count: 3 }, { reason: 'invalid_json', count: 1 }]);
    expect(q.valid).toBe(d.latest.reduce((a, v) => a + v.samples, 0));
    expect(d.executions.map((e) => [e.id, e.status])).toEqual([[fx.EXECUTION_ID, 'SUCCEEDED']]);
  });

  test('the DTC and vampire-drain tables are the named queries’ rows', () => {
    expect(d.activeDtcs.columns.map((c) => c.name)).toEqual(['vehicle_id', 'code', 'first_seen_ts', 'last_seen_ts', 'days_seen', 'samples']);
    expect(d.activeDtcs.rows.map((r) => [r.vehicle_id, r.code])).toEqual([[fx.UNHEALTHY, 'P0562']]);
    expect(d.vampireDrain.rows.map((r) => [r.vehicle_id, r.low_voltage_events])).toEqual([[fx.UNHEALTHY, 1]]);
  });
});

/**
 * Everything the browser test checks, as a list of problems (empty = all good), so the suite can show that each
 * check fails on a broken page.
 */
async function pageProblems(ctx: BrowserContext, file: string, screenshot?: string): Promise<string[]> {
  const problems: string[] = [];
  const page = await ctx.newPage();
  page.on('console', (m) => m.type() === 'error' && problems.push(`console: ${m.text()}`));
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  await page.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith('file:')) return route.continue();
    problems.push(`network: ${url}`);
    return route.abort();
  });
  try {
    await page.goto(`file://${file}`, { waitUntil: 'load' });
    // As opened: before any sorting or filtering.
    if (screenshot) await page.screenshot({ path: screenshot, fullPage: true });
    const map = (await page.evaluate(`(() => {
      const drawn = (sel) => [...document.querySelectorAll(sel)].filter((p) => p.getTotalLength() > 0);
      return {
        land: drawn('#map g.land path').length,
        borders: drawn('#map g.borders path').length,
        tracks: drawn('#map g.tracks path').map((p) => p.getAttribute('stroke')),
        scaleBar: document.querySelector('#map g.scale-bar path') !== null,
      };
    })()`)) as { land: number; borders: number; tracks: string[]; scaleBar: boolean };
    if (map.land === 0 || map.borders === 0) problems.push(`map: outlines not drawn (${map.land} land, ${map.borders} border paths)`);
    if (map.tracks.length !== fx.VEHICLES.length || new Set(map.tracks).size !== map.tracks.length) problems.push(`map: ${map.tracks.length} tracks in ${new Set(map.tracks).size} colours for ${fx.VEHICLES.length} vehicles`);
    if (!map.scaleBar) problems.push('map: no scale bar');

    const order = () => page.$$eval('#attention tbody tr', (rows) => rows.map((r) => r.getAttribute('data-vehicle')));
    const first = (await order())[0];
    if (first !== fx.UNHEALTHY) problems.push(`attention: first row ${first}, not ${fx.UNHEALTHY}`);
    await page.click('#attention th:text-is("vehicle")');
    const up = await order();
    await page.click('#attention th:text-is("vehicle")');
    const down = await order();
    if (up.join() !== [...fx.VEHICLES].join() || down.join() !== [...fx.VEHICLES].reverse().join()) problems.push(`sort: by vehicle gave ${up.join()} then ${down.join()}`);
    await page.click('#attention th:text-is("battery (V)")');
    const byBattery = (await order())[0];
    if (byBattery !== fx.UNHEALTHY) problems.push(`sort: lowest battery first is ${byBattery}`);

    await page.selectOption('#trip-vehicle', 'V0002');
    const shown = await page.$$eval('#trips tbody tr', (rows) => rows.filter((r) => !r.hasAttribute('hidden')).map((r) => r.getAttribute('data-vehicle')));
    if (shown.length !== fx.TRIPS_PER_VEHICLE || shown.some((v) => v !== 'V0002')) problems.push(`filter: V0002 shows ${shown.join()}`);
    await page.selectOption('#trip-vehicle', '');
  } finally {
    await page.close();
  }
  return problems;
}

describe('the report in Chromium', () => {
  let userData: string;
  let ctx: BrowserContext;
  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: install it with \`sudo apt-get install chromium\``);
    userData = await mkdtemp(path.join(tmpdir(), 'fleetlake-chromium-'));
    ctx = await chromium.launchPersistentContext(userData, {
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      viewport: { width: 1280, height: 900 },
    });
  }, 60_000);
  afterAll(async () => {
    await ctx?.close();
    if (userData) await rm(userData, { recursive: true, force: true });
  });

  test('no network, no console errors; outlines and one track per vehicle; unhealthy first; sorting and the trip filter work', async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    expect(await pageProblems(ctx, reportFile(), path.join(ARTIFACTS, 'report.png'))).toEqual([]);
  }, 60_000);

  test('each check fails on a broken page', async () => {
    const good = await readFile(reportFile(), 'utf8');
    const broken = good
      .replace(/<meta http-equiv="Content-Security-Policy"[^>]*>/, '')
      .replace('</body>', '<img src="http://127.0.0.1:9/tile.png" alt=""><script>console.error("broken")</script></body>')
      .replace(/class="land"/g, 'class="land-gone"')
      .replace(/(class="tracks"[^>]*>)<path[^>]*>(?:<title>[^<]*<\/title>)?<\/path>/, '$1')
      .replace(/(<table id="attention"[^]*?<tbody>\n)(<tr[^\n]*\n)([^]*?)(\n<\/tbody>)/, '$1$3\n$2$4')
      .replace("th.addEventListener('click', sort);", '')
      .replace('r.hidden = !show;', '');
    const file = path.join(lake, 'report', 'broken.html');
    await writeFile(file, broken);
    const problems = await pageProblems(ctx, file);
    for (const kind of ['network: http://127.0.0.1:9/tile.png', 'console: broken', 'map: outlines not drawn', 'map: 4 tracks', 'attention: first row', 'sort: by vehicle', 'sort: lowest battery', 'filter: V0002 shows']) {
      expect(problems.some((p) => p.startsWith(kind))).toBe(true);
    }
  }, 60_000);
});
