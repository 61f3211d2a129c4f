import { describe, expect, it, test } from '@jest/globals';
import { addDays, neighbourWindow, parseDates, parseDatesArgument, rebuildDates } from './dates';

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
  expect(parseDatesArgument('')).toEqual([]);
  expect(() => parseDatesArgument('["2026-03-01"')).toThrow('not a JSON array');
  expect(() => parseDatesArgument('[20260301]')).toThrow('not a list of dates');
  expect(() => parseDatesArgument('2026-02-30')).toThrow('invalid date "2026-02-30"');
});
