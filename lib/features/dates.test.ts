import { describe, expect, it, test } from '@jest/globals';
import { addDays, neighbourWindow, parseDate, parseDates, parseDatesArgument, parseInstant, rebuildDates } from './dates';

describe('features dates', () => {
  it('validates, sorts and dedupes dates', () => {
    expect(parseDates(['2026-03-02', '2026-03-01', '2026-03-02'])).toEqual(['2026-03-01', '2026-03-02']);
    expect(() => parseDates(['2026-02-30'])).toThrow(/invalid date/);
    expect(() => parseDates(['2026-3-1'])).toThrow(/invalid date/);
  });

  it('adds days across month and year ends', () => {
    expect(addDays('2026-02-28', 1)).toBe('2026-03-01');
    expect(addDays('2026-01-01', -1)).toBe('2025-12-31');
  });

  it('rebuilds D-1..D+1 of every touched date', () => {
    expect(rebuildDates(['2026-03-05', '2026-03-01'])).toEqual([
      '2026-02-28', '2026-03-01', '2026-03-02', '2026-03-04', '2026-03-05', '2026-03-06',
    ]);
    expect(neighbourWindow(['2026-03-01'], 0)).toEqual(['2026-03-01']);
  });
});

test('parseDatesArgument reads --dates as a JSON array or a comma list, sorted and unique', () => {
  expect(parseDatesArgument('["2026-03-02","2026-03-01"]')).toEqual(['2026-03-01', '2026-03-02']);
  expect(parseDatesArgument(' 2026-03-02, 2026-03-01,2026-03-02 ')).toEqual(['2026-03-01', '2026-03-02']);
  expect(() => parseDatesArgument('')).toThrow('--dates has no dates');
  expect(() => parseDatesArgument('["2026-03-01"')).toThrow('not a valid JSON array');
  expect(() => parseDatesArgument('[20260301]')).toThrow('must be an array of strings');
  expect(() => parseDatesArgument('2026-02-30')).toThrow('invalid date "2026-02-30"');
});

describe('the one date and time parser (every CLI flag and the pipeline input use it)', () => {
  test('a calendar day is returned as given; 2026-13-01, 2026-02-30 and 03/02/2026 are refused with one message', () => {
    expect(parseDate('2028-02-29')).toBe('2028-02-29');
    for (const bad of ['2026-13-01', '2026-02-30', '2027-02-29', '03/02/2026', '2026-3-1', ' 2026-03-01']) {
      expect(() => parseDate(bad)).toThrow(`invalid date ${JSON.stringify(bad)}: expected a calendar day YYYY-MM-DD`);
    }
  });

  test.each([
    ['2026-03-01T00:00:00Z', Date.UTC(2026, 2, 1)],
    ['2026-03-01T00:00Z', Date.UTC(2026, 2, 1)], // seconds left out
    ['2026-03-01T01:00:00+01:00', Date.UTC(2026, 2, 1)],
    ['2026-03-01T10:00:00.5Z', Date.UTC(2026, 2, 1, 10, 0, 0, 500)],
    ['2026-03-01t10:00:00z', Date.UTC(2026, 2, 1, 10)],
  ])('instant %s', (text, ms) => expect(parseInstant(text)).toBe(ms));

  test.each([
    // Date.parse takes the first two and moves the second to March 2: the contract's parser checks the calendar.
    ['2026-13-01T00:00:00Z', 'invalid time "2026-13-01T00:00:00Z": 2026-13-01 is not a calendar date; expected ISO-8601 with a zone'],
    ['2026-02-30T00:00:00Z', '2026-02-30 is not a calendar date'],
    ['2026-03-01T24:00:00Z', '24:00:00 is not a time of day'],
    ['2026-03-01T00:00:00', 'invalid time "2026-03-01T00:00:00": expected ISO-8601 with a zone, e.g. 2026-03-01T00:00:00Z'],
    ['2026-03-01', 'expected ISO-8601 with a zone'],
    ['yesterday', 'expected ISO-8601 with a zone'],
  ])('refuses %s', (text, message) => expect(() => parseInstant(text)).toThrow(message));
});
