import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { UsageError } from './errors';
import { existingLake, lakeToCreate, resolveLake } from './lake';

test('flag beats env beats default', () => {
  expect(resolveLake('/a', { FLEETLAKE_LAKE: '/b' })).toBe('/a');
  expect(resolveLake(undefined, { FLEETLAKE_LAKE: '/b' })).toBe('/b');
  expect(resolveLake(undefined, {})).toBe(path.resolve('.fleetlake'));
});

test('existingLake: a directory passes; a missing path or a file is a usage error naming it', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'lake-'));
  try {
    const file = path.join(dir, 'file');
    writeFileSync(file, '');
    expect(existingLake(dir, {})).toBe(dir);
    expect(existingLake(undefined, { FLEETLAKE_LAKE: dir })).toBe(dir);
    expect(() => existingLake(path.join(dir, 'missing'), {})).toThrow(UsageError);
    expect(() => existingLake(path.join(dir, 'missing'), {})).toThrow(/^no lake at .*missing \(give --lake DIR/);
    expect(() => existingLake(file, {})).toThrow(/^the lake .*file is not a directory/);
    // ingest and demo create the lake: missing is fine, a file is not.
    expect(lakeToCreate(path.join(dir, 'missing'), {})).toBe(path.join(dir, 'missing'));
    expect(() => lakeToCreate(file, {})).toThrow(/^the lake .*file is not a directory/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
