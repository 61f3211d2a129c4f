import { expect, test } from '@jest/globals';
import { jsonNestingDepth, MAX_JSON_DEPTH, tooDeep, valueNestingDepth } from './json-depth';

test('known depths: scalars, objects, arrays, brackets inside strings and escaped quotes', () => {
  expect(jsonNestingDepth('42')).toBe(0);
  expect(jsonNestingDepth('"[[["')).toBe(0);
  expect(jsonNestingDepth('{"a":1}')).toBe(1);
  expect(jsonNestingDepth('{"samples":[{"dtc":["P0420"]}]}')).toBe(4);
  expect(jsonNestingDepth('{"a":"x\\"[{[","b":[[]]}')).toBe(3);
  expect(jsonNestingDepth('[{}, {"a": [1, {"b": {}}]}]')).toBe(5);
});

test('a 60,000-deep payload is measured without recursion and stops at the first depth over the limit', () => {
  const deep = `{"vehicle_id":"V1","x":${'['.repeat(60_000)}${']'.repeat(60_000)}}`;
  expect(jsonNestingDepth(deep)).toBe(60_001);
  expect(jsonNestingDepth(deep, MAX_JSON_DEPTH)).toBe(MAX_JSON_DEPTH + 1);
  expect(tooDeep(deep)).toBe(true);
});

test('the limit is the contract value, and a message at the limit passes while one level more fails', () => {
  expect(MAX_JSON_DEPTH).toBe(32);
  const at = `${'['.repeat(MAX_JSON_DEPTH)}${']'.repeat(MAX_JSON_DEPTH)}`;
  expect(tooDeep(at)).toBe(false);
  expect(tooDeep(`[${at}]`)).toBe(true);
});

test('valueNestingDepth of a parsed value equals jsonNestingDepth of its text (random trees)', () => {
  let seed = 11;
  const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
  const tree = (d: number): unknown => {
    if (d === 0 || rnd(4) === 0) return [1, 'a]', null, true][rnd(4)];
    const kids = Array.from({ length: rnd(4) }, () => tree(d - 1));
    return rnd(2) ? kids : Object.fromEntries(kids.map((k, i) => [`k${i}{`, k]));
  };
  for (let i = 0; i < 500; i++) {
    const v = tree(1 + rnd(12));
    expect(valueNestingDepth(v)).toBe(jsonNestingDepth(JSON.stringify(v)));
  }
  expect(valueNestingDepth('[[[')).toBe(0);
  expect(valueNestingDepth({ a: [{ b: {} }] })).toBe(4);
});

test('a 200,000-deep value parses (V8 JSON.parse does not recurse) and is measured without recursion', () => {
  const text = `{"x":${'['.repeat(200_000)}${']'.repeat(200_000)}}`;
  const parsed: unknown = JSON.parse(text);
  expect(() => JSON.stringify(parsed)).toThrow(RangeError); // what the check protects
  expect(valueNestingDepth(parsed, MAX_JSON_DEPTH)).toBe(MAX_JSON_DEPTH + 1);
  expect(valueNestingDepth(parsed)).toBe(200_001);
});
