/**
 * The packaged Lambda bundle (`npm run package:prod` → .package/prod/clean.zip) is complete: extracted
 * alone, it cleans a bronze object on a filesystem lake. On Node 20 its zstd fallback (zstd-napi, kept
 * out of the bundle) resolves from the repo's node_modules, as the extraction dir sits below it.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { FsObjectStore } from '../../lib/store';
import { MIXED_EXPECTED, MIXED_KEY, mixedObject } from '../../test/fixtures/bronze/mixed';

const zip = path.resolve('.package/prod/clean.zip');
const out = path.resolve('node_modules/.cache/fleetlake-clean-bundle');
const lake = mkdtempSync(path.join(tmpdir(), 'fleetlake-clean-bundle-'));

afterAll(() => {
  rmSync(out, { recursive: true, force: true });
  rmSync(lake, { recursive: true, force: true });
});

test('clean.zip is small, holds only the bundle, and runs', async () => {
  if (!existsSync(zip)) throw new Error(`${zip} is missing: run \`npm run package:prod\` first (npm test does)`);
  expect(statSync(zip).size).toBeLessThan(5 * 2 ** 20);
  rmSync(out, { recursive: true, force: true });
  execFileSync('python3', ['-m', 'zipfile', '-e', zip, out]);
  const listing = execFileSync('python3', ['-m', 'zipfile', '-l', zip]).toString();
  expect(listing).toContain('functions/clean/handler.mjs');
  expect(listing).not.toMatch(/node_modules|zstd-napi|\.node\b/);

  await new FsObjectStore(path.join(lake, 'bronze')).put(MIXED_KEY, mixedObject());
  process.env.FLEETLAKE_LAKE = lake;
  const mod = (await import(pathToFileURL(path.join(out, 'functions/clean/handler.mjs')).href)) as {
    handler: (e: unknown, c: unknown) => Promise<{ totals: Record<string, unknown> }>;
  };
  const write = process.stdout.write;
  process.stdout.write = () => true; // Powertools JSON lines
  try {
    const r = await mod.handler({ keys: [MIXED_KEY] }, { functionName: 'clean', awsRequestId: 'r', getRemainingTimeInMillis: () => 60_000 });
    expect(r.totals).toMatchObject({ samples: MIXED_EXPECTED.samples, valid: MIXED_EXPECTED.valid, quarantined: MIXED_EXPECTED.quarantined });
  } finally {
    process.stdout.write = write;
  }
});
