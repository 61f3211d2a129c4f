import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openLocalQueryEngine, type LocalQueryEngine } from './query';

/**
 * The Trino compatibility macros, pinned to the examples of the Trino documentation
 * (trino.io/docs/current/functions/{datetime,regexp,json,array,aggregate}.html).
 * Where the docs give no example value, the expected value is worked out from the documented semantics.
 */
let engine: LocalQueryEngine;
beforeAll(async () => {
  engine = await openLocalQueryEngine({ lake: mkdtempSync(path.join(tmpdir(), 'fleetlake-compat-')) });
});
afterAll(() => engine.close());

const one = async (expr: string) => (await engine.query(`SELECT ${expr} AS v`)).rows[0]?.v;

describe('Trino date_add(unit, value, x): same type as x', () => {
  it.each([
    ["date_add('second', 86, TIMESTAMP '2020-03-01 00:00:00')", '2020-03-01T00:01:26.000Z'],
    ["date_add('hour', 9, TIMESTAMP '2020-03-01 00:00:00')", '2020-03-01T09:00:00.000Z'],
    ["date_add('day', -1, TIMESTAMP '2020-03-01 00:00:00 UTC')", '2020-02-29T00:00:00.000Z'],
    ["date_add('day', -1, DATE '2020-03-01')", '2020-02-29'],
    ["date_add('month', 1, TIMESTAMP '2012-10-31 01:00')", '2012-11-30T01:00:00.000Z'], // = timestamp '2012-10-31 01:00' + interval '1' month
  ])('%s = %s', async (expr, want) => {
    expect(await one(expr)).toBe(want);
  });

  it("keeps DuckDB's own 2-argument date_add", async () => {
    expect(await one("date_add(DATE '2012-08-08', INTERVAL 2 DAY)")).toBe('2012-08-10T00:00:00.000Z');
  });
});

describe('Trino date_diff(unit, x1, x2): whole units', () => {
  it.each([
    ["date_diff('second', TIMESTAMP '2020-03-01 00:00:00', TIMESTAMP '2020-03-02 00:00:00')", 86400],
    ["date_diff('hour', TIMESTAMP '2020-03-01 00:00:00 UTC', TIMESTAMP '2020-03-02 00:00:00 UTC')", 24],
    ["date_diff('day', DATE '2020-03-01', DATE '2020-03-02')", 1],
    ["date_diff('second', TIMESTAMP '2020-06-01 12:30:45.000000000', TIMESTAMP '2020-06-02 12:30:45.123456789')", 86400],
    ["date_diff('millisecond', TIMESTAMP '2020-06-01 12:30:45.000000000', TIMESTAMP '2020-06-02 12:30:45.123456789')", 86400123],
    // not DuckDB's boundary count (which would say 1)
    ["date_diff('day', TIMESTAMP '2020-03-01 23:00:00', TIMESTAMP '2020-03-02 01:00:00')", 0],
  ])('%s = %s', async (expr, want) => {
    expect(await one(expr)).toBe(want);
  });
});

describe('MySQL-format date functions', () => {
  it("date_format(TIMESTAMP '2022-10-20 05:10:00', '%m-%d-%Y %H') = '10-20-2022 05'", async () => {
    expect(await one("date_format(TIMESTAMP '2022-10-20 05:10:00', '%m-%d-%Y %H')")).toBe('10-20-2022 05');
  });
  it('date_format translates the specifiers that differ from strftime (%i %s %T %M %W %c %e %k %r %%)', async () => {
    expect(await one("date_format(TIMESTAMP '2022-10-02 15:04:07', '%i|%s|%T|%M|%W|%c|%e|%k|%r|100%%')")).toBe(
      '04|07|15:04:07|October|Sunday|10|2|15|03:04:07 PM|100%',
    );
  });
  it("date_parse('2022/10/20/05', '%Y/%m/%d/%H') = 2022-10-20 05:00:00.000", async () => {
    expect(await one("date_parse('2022/10/20/05', '%Y/%m/%d/%H')")).toBe('2022-10-20T05:00:00.000Z');
  });
  it('date_parse inside a larger expression, with a literal containing date_parse(', async () => {
    const r = await engine.query("SELECT 'date_parse(' AS s, date_add('hour', 1, date_parse('2022-10-20 05:10', '%Y-%m-%d %H:%i')) AS v");
    expect(r.rows[0]).toEqual({ s: 'date_parse(', v: '2022-10-20T06:10:00.000Z' });
  });
});

describe('unix time', () => {
  it('from_unixtime(unixtime): seconds since 1970-01-01 00:00:00 UTC', async () => {
    // 1666242000 = to_unixtime of the date_parse example above (2022-10-20 05:00:00 UTC)
    expect(await one('from_unixtime(1666242000)')).toBe('2022-10-20T05:00:00.000Z');
    expect(await one('from_unixtime(1.5)')).toBe('1970-01-01T00:00:01.500Z');
  });
  it('to_unixtime(timestamp) -> double', async () => {
    expect(await one("to_unixtime(TIMESTAMP '2022-10-20 05:00:00')")).toBe(1666242000);
    expect(await one("to_unixtime(TIMESTAMP '1970-01-01 00:00:01.5')")).toBe(1.5);
  });
});

describe('other functions', () => {
  it("regexp_like('1a 2b 14m', '\\d+b') = true (contains, not full match)", async () => {
    expect(await one("regexp_like('1a 2b 14m', '\\d+b')")).toBe(true);
    expect(await one("regexp_like('1a 2b 14m', '^\\d+b')")).toBe(false);
  });
  it("json_extract_scalar('[1, 2, 3]', '$[2]') = '3'; objects give NULL", async () => {
    expect(await one("json_extract_scalar('[1, 2, 3]', '$[2]')")).toBe('3');
    const book = `'{"store": {"book": [{"author": "Nigel Rees", "title": "Sayings of the Century"}]}}'`;
    expect(await one(`json_extract_scalar(${book}, '$.store.book[0].author')`)).toBe('Nigel Rees');
    expect(await one(`json_extract_scalar(${book}, '$.store')`)).toBeNull();
  });
  it('cardinality(x): the size of the array', async () => {
    expect(await one('cardinality(ARRAY[1, 2, 3])')).toBe(3);
    expect(await one("cardinality(CAST(ARRAY[] AS VARCHAR[]))")).toBe(0);
  });
  it('approx_percentile(x, 0.5) returns a value of x (the qdigest rank floor(p*n))', async () => {
    // Presto/Velox doc example: ages 30, 25, 22, 35, 33, 28 -> 30
    const r = await engine.query('SELECT approx_percentile(age, 0.5) AS v FROM (VALUES (30), (25), (22), (35), (33), (28)) AS t(age)');
    expect(r.rows[0]?.v).toBe(30);
    const r2 = await engine.query('SELECT approx_percentile(x, 0.9) AS v FROM (VALUES (1), (2), (2), (2), (3), (3), (3), (4), (5), (6), (7)) AS t(x)');
    expect(r2.rows[0]?.v).toBe(6);
  });
});
