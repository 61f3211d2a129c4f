import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { GENERATED_FILES, readNamedQueries } from './template';

const root = path.resolve(import.meta.dirname, '../..');

describe('generated catalog resources', () => {
  it.each(Object.entries(GENERATED_FILES))('%s is up to date (run `npm run generate:catalog`)', (file, render) => {
    expect(readFileSync(path.join(root, file), 'utf8')).toBe(render());
  });

  it('every query file has a header with purpose, parameters and grain', () => {
    for (const q of readNamedQueries()) {
      expect(q.sql).toMatch(new RegExp(`^-- ${q.name}\\n-- purpose: .+\\n-- parameters: .+\\n-- grain: .+\\n`));
    }
  });

  it('the named queries embed the SQL files verbatim', () => {
    const doc = parse(readFileSync(path.join(root, 'resources/named-queries.yml'), 'utf8')) as {
      Resources: Record<string, { Properties: { Name: string; QueryString: string } }>;
    };
    for (const q of readNamedQueries()) {
      const r = Object.values(doc.Resources).find((x) => x.Properties.Name === q.name);
      expect(r?.Properties.QueryString).toBe(readFileSync(path.join(root, 'athena-queries', `${q.name}.sql`), 'utf8'));
    }
  });
});
