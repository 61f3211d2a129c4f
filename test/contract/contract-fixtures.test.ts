import { readFileSync } from 'node:fs';
import path from 'node:path';
import { contractValidator } from '../../lib/contract/validator';

/** Every rule of telemetry contract v1, one fixture per rule and boundary: test/fixtures/contract/{valid,invalid}.json. */
const dir = path.resolve(import.meta.dirname, '../fixtures/contract');
const load = <T>(f: string) => JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as T[];
const valid = load<{ name: string; message: unknown }>('valid.json');
const invalid = load<{ name: string; rule: string; keyword: string; message: unknown }>('invalid.json');
const v = contractValidator();

test.each(valid.map((f) => [f.name, f.message]))('valid: %s', (_name, message) => {
  const ok = v.message(message);
  expect(v.message.errors ?? []).toEqual([]);
  expect(ok).toBe(true);
});

test.each(invalid.map((f) => [f.name, f.rule, f.keyword, f.message]))('invalid: %s (rule: %s)', (_name, _rule, keyword, message) => {
  expect(v.message(message)).toBe(false);
  expect(v.message.errors!.map((e) => e.keyword)).toContain(keyword);
});

test('the fixtures cover every sample property of the schema', async () => {
  const schema = (await import('../../lib/contract/telemetry.v1.schema.json', { with: { type: 'json' } })).default as { $defs: { sample: { properties: Record<string, unknown> } } };
  const base = valid[0]!.message as Record<string, unknown>;
  const changed = (m: unknown): string[] => {
    if (typeof m !== 'object' || m === null || Array.isArray(m)) return [];
    const o = m as Record<string, unknown>;
    const keys = new Set([...Object.keys(o), ...Object.keys(base)]);
    return [...keys].filter((k) => JSON.stringify(o[k]) !== JSON.stringify(base[k]));
  };
  const touched = new Set(invalid.flatMap((f) => changed(f.message)));
  const fullSample = valid.find((f) => f.name === 'sample with every field')!.message as Record<string, unknown>;
  const props = Object.keys(schema.$defs.sample.properties);
  expect(props.filter((p) => !(p in fullSample))).toEqual([]);
  expect(props.filter((p) => !touched.has(p))).toEqual([]);
});

test('the first-error validator clean runs first accepts exactly what the full one accepts', () => {
  // Fixtures are messages; each sample of an envelope, and a bare sample, is checked on its own as clean does.
  const samples = [...valid, ...invalid].flatMap((f) => {
    const m = f.message as { samples?: unknown };
    return m && typeof m === 'object' && Array.isArray(m.samples) ? m.samples : [m];
  });
  expect(samples.length).toBeGreaterThan(invalid.length);
  const verdicts = samples.map((s) => [v.sample(s), v.isValidSample(s)]);
  expect(verdicts.filter(([full, fast]) => full !== fast)).toEqual([]);
  expect(verdicts.filter(([full]) => full).length).toBeGreaterThan(0);
  expect(verdicts.filter(([full]) => !full).length).toBeGreaterThan(0);
});

test('an envelope sample has the fields, ranges and formats of a sample; only vehicle_id is optional in it', async () => {
  const schema = (await import('../../lib/contract/telemetry.v1.schema.json', { with: { type: 'json' } })).default as unknown as {
    $defs: Record<'sample' | 'envelopeSample', { properties: unknown; required: string[] }>;
  };
  const { sample, envelopeSample } = schema.$defs;
  expect(envelopeSample.properties).toEqual(sample.properties);
  expect(envelopeSample.required).toEqual(sample.required.filter((r) => r !== 'vehicle_id'));
});
