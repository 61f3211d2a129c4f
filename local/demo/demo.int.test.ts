import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { chromium } from 'playwright-core';

const run = promisify(execFile);
const CLI = path.resolve(import.meta.dirname, '../cli/fleetlake.js');
const CHROMIUM = '/usr/bin/chromium';
// CI installs Debian chromium (.ci/run); a developer machine without it skips the browser check.
const browserTest = existsSync(CHROMIUM) || process.env.CI ? test : test.skip;

let root: string;
let lake: string;
let stdout: string;
beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'fleetlake-demo-'));
  lake = path.join(root, 'lake');
  ({ stdout } = await run(process.execPath, [CLI, 'demo', '--vehicles', '4', '--hours', '3', '--lake', lake], { timeout: 150_000 }));
}, 180_000);
afterAll(() => rm(root, { recursive: true, force: true }));

test('the demo lands, cleans, builds gold and prints the summary and three named queries', () => {
  expect(stdout).toMatch(/simulate: 4 vehicles, \d+ samples in \d+ messages \(\+8 deliberately broken\)/);
  for (const q of ['fleet summary', 'fleet_daily_summary', 'harsh_driving_leaderboard', 'vampire_drain_watchlist']) expect(stdout).toContain(q);
  expect(stdout).toContain(`report: ${path.join(lake, 'report', 'index.html')}`);
  expect(existsSync(path.join(lake, 'gold', 'trips'))).toBe(true);
});

browserTest('the report renders its plots in headless Chromium without console errors', async () => {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(`file://${path.join(lake, 'report', 'index.html')}`);
    // Runs in the page: drawn (non-zero length) paths per chart.
    const drawn: Record<string, number> = await page.evaluate(`Object.fromEntries(
      ['trip-map', 'battery-chart', 'distance-chart', 'quarantine-chart'].map((id) => [
        id, [...document.querySelectorAll('#' + id + ' path')].filter((p) => p.getTotalLength() > 0).length,
      ]))`);
    expect(drawn['trip-map']).toBeGreaterThan(0);
    expect(drawn['battery-chart']).toBe(4); // one line per vehicle
    expect(drawn['distance-chart']).toBeGreaterThan(0);
    expect(drawn['quarantine-chart']).toBe(8); // one bar per broken message's reason
    expect(errors).toEqual([]);
  } finally {
    await browser.close();
  }
});

test('the demo refuses a non-empty lake it did not make, and leaves it untouched', async () => {
  const foreign = path.join(root, 'foreign');
  await mkdir(foreign);
  await writeFile(path.join(foreign, 'keep.txt'), 'not the demo');
  await expect(run(process.execPath, [CLI, 'demo', '--vehicles', '2', '--hours', '1', '--lake', foreign])).rejects.toMatchObject({
    code: 1,
    stderr: expect.stringContaining('is not empty and was not made by the demo'),
  });
  expect(existsSync(path.join(foreign, 'keep.txt'))).toBe(true);
});
