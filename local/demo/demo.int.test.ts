import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { parseHTML } from 'linkedom';

const run = promisify(execFile);
const CLI = path.resolve(import.meta.dirname, '../cli/fleetlake.js');

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

test('the demo writes its report through `fleetlake report`: the same page, and what the demo made is in it', async () => {
  const demoPage = await readFile(path.join(lake, 'report', 'index.html'), 'utf8');
  const again = path.join(root, 'again.html');
  await run(process.execPath, [CLI, 'report', '--lake', lake, '--out', again], { timeout: 60_000 });
  const generated = /generated \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC/;
  expect(demoPage.replace(generated, '')).toBe((await readFile(again, 'utf8')).replace(generated, ''));
  // Drawn in a browser by local/report/report.int.test.ts; here, what the demo's data puts in the page.
  const doc = parseHTML(demoPage).document;
  expect(doc.querySelectorAll('#attention tbody tr')).toHaveLength(4);
  const drivers = new Set([...doc.querySelectorAll('#trips tbody tr')].map((r) => r.getAttribute('data-vehicle')));
  expect(doc.querySelectorAll('#map g.tracks path')).toHaveLength(drivers.size);
  expect(doc.querySelectorAll('#battery figure')).toHaveLength(4);
  // one row per broken message's reason, each 1 of (valid + 8) records
  const reasons = [...doc.querySelectorAll('#quarantine tbody tr')].map((r) => r.querySelector('td')!.textContent);
  expect(reasons).toHaveLength(8);
  expect([...doc.querySelectorAll('#executions tbody tr .status')].map((e) => e.textContent)).toEqual(['SUCCEEDED']);
}, 90_000);

test('the demo refuses a non-empty lake it did not make, and leaves it untouched', async () => {
  const foreign = path.join(root, 'foreign');
  await mkdir(foreign);
  await writeFile(path.join(foreign, 'keep.txt'), 'not the demo');
  await expect(run(process.execPath, [CLI, 'demo', '--vehicles', '2', '--hours', '1', '--lake', foreign])).rejects.toMatchObject({
    code: 2, // an input error (docs/cli.md)
    stderr: expect.stringContaining('is not empty and was not made by the demo'),
  });
  expect(existsSync(path.join(foreign, 'keep.txt'))).toBe(true);
});
