import { beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

/** The features SQL runs on Glue (Spark SQL) and on DuckDB; this checks every file against the Spark SQL grammar. */
const root = path.resolve(import.meta.dirname, '../..');
const dir = path.join(root, 'glue-jobs/sql');

async function validate(files: string[]): Promise<Record<string, string[]>> {
  const { stdout } = await promisify(execFile)(path.join(root, 'node_modules/.bin/tsx'), [path.join(import.meta.dirname, 'spark-grammar-check.ts'), ...files], {
    cwd: root,
    timeout: 120_000,
  });
  return JSON.parse(stdout) as Record<string, string[]>;
}

describe('glue-jobs/sql under the Spark SQL grammar (dt-sql-parser)', () => {
  let files: string[];
  let errors: Record<string, string[]>;

  beforeAll(async () => {
    files = (await readdir(dir)).filter((f) => f.endsWith('.sql')).sort();
    const bad = await mkdtemp(path.join(tmpdir(), 'fleetlake-sql-'));
    try {
      await writeFile(path.join(bad, 'zz_invalid.sql'), 'select a, from t where');
      errors = await validate([...files.map((f) => path.join(dir, f)), path.join(bad, 'zz_invalid.sql')]);
    } finally {
      await rm(bad, { recursive: true, force: true });
    }
  });

  it('checks every step file and can fail', () => {
    expect(files.length).toBeGreaterThanOrEqual(5);
    expect(errors['zz_invalid.sql']!.length).toBeGreaterThan(0);
  });

  it('every file parses with zero syntax errors', () => {
    expect(Object.fromEntries(files.map((f) => [f, errors[f]]))).toEqual(Object.fromEntries(files.map((f) => [f, []])));
  });
});
