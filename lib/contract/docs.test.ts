import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { CONTRACT_COLUMNS } from './columns';
import { SCHEMA_DOC, renderSchemaDoc } from './docs';
import { TABLES } from './tables';

describe('docs/schema.md', () => {
  const doc = renderSchemaDoc();

  it('is up to date with the JSON Schema and lib/contract/tables.ts (run `npm run docs`)', () => {
    expect(readFileSync(SCHEMA_DOC, 'utf8')).toBe(doc);
  });

  it('documents every contract field and every table column', () => {
    for (const c of CONTRACT_COLUMNS) expect(doc).toContain(`| \`${c.name}\` |`);
    for (const t of TABLES) {
      expect(doc).toContain(`### ${t.layer}.${t.name}`);
      for (const c of t.columns) expect(doc).toContain(`| \`${c.name}\` | ${c.type} |`);
    }
    expect(doc).toContain('| `battery_v` | number | double | V | 0 … 30 | yes |');
  });
});
