import { describe, expect, test } from '@jest/globals';
import { InvalidArgumentError } from 'commander';
import { displayNumber, formatQueryResult, parseFormat, recordRows, renderCsv, renderKeyValue, renderResult, renderTable } from './format';

describe('displayNumber: 6 significant digits for people, integers untouched', () => {
  test.each([
    [8.092705899999999, '8.09271'],
    [14.1, '14.1'],
    [0.000123456789, '0.000123457'],
    [123456.789, '123457'],
    [12345678.9, '12345679'],
    [-2.5, '-2.5'],
    [42, '42'],
    [2 ** 53, '9007199254740992'],
    [Number.NaN, 'NaN'],
  ])('%p → %s', (n, shown) => expect(displayNumber(n)).toBe(shown));
});

describe('--format', () => {
  test('table, json and csv; text is the older name of table', () => {
    expect(['table', 'json', 'csv', 'text'].map(parseFormat)).toEqual(['table', 'json', 'csv', 'table']);
  });
  test('anything else is a usage error (commander exits 2 for it)', () => {
    expect(() => parseFormat('xml')).toThrow(InvalidArgumentError);
    expect(() => parseFormat('TABLE')).toThrow(/expected table, json, csv/);
  });
});

const ROWS = {
  columns: ['vehicle', 'km', 'note'],
  rows: [
    { vehicle: 'V0001', km: 8.092705899999999, note: null },
    { vehicle: 'V0010', km: 112.5, note: 'a, "quoted"\nline' },
  ],
};

describe('one result, three formats', () => {
  test('table: header first, rows from the second line, numbers rounded and right-aligned, nulls as -', () => {
    expect(renderTable(ROWS).split('\n')).toEqual(['vehicle       km  note', 'V0001    8.09271  -', 'V0010      112.5  a, "quoted"\\nline', '']);
    expect(renderTable({ columns: ['a'], rows: [] }, { footer: true })).toBe('a\n(0 rows)\n');
  });

  test('json and csv keep full precision; csv quotes what needs quoting and leaves null empty', () => {
    const r = { table: () => renderTable(ROWS), json: () => ROWS.rows, csv: () => ROWS };
    expect(JSON.parse(renderResult('json', r))).toEqual(ROWS.rows);
    expect(renderResult('csv', r)).toBe('vehicle,km,note\nV0001,8.092705899999999,\nV0010,112.5,"a, ""quoted""\nline"\n');
    expect(renderCsv(recordRows({ a: 1, nested: { b: [1, 2] } }))).toBe('a,nested\n1,"{""b"":[1,2]}"\n');
  });

  test('a record for people: aligned key and value lines', () => {
    expect(renderKeyValue([['objects', 5], ['  out_of_range', 1], ['duration', '8.1 s'], ['seconds', 8.092705899999999]])).toBe(
      'objects         5\n  out_of_range  1\nduration        8.1 s\nseconds         8.09271\n',
    );
  });

  test('a query result: NULL and a row count in the table; the JSON rows as the engine gave them', () => {
    const r = { columns: [{ name: 'dt', type: 'DATE' }, { name: 'avg', type: 'DOUBLE' }], rows: [{ dt: '2026-03-01', avg: 1 / 3 }, { dt: '2026-03-02', avg: null }] };
    expect(formatQueryResult(r, 'table')).toBe('dt               avg\n2026-03-01  0.333333\n2026-03-02      NULL\n(2 rows)\n');
    expect(JSON.parse(formatQueryResult(r, 'json'))).toEqual(r.rows);
    expect(formatQueryResult(r, 'csv')).toBe(`dt,avg\n2026-03-01,${1 / 3}\n2026-03-02,\n`);
  });
});
