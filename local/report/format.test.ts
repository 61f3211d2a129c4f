import { duration, html, num1, percent3, utc } from './format';

test('percent3: three significant figures, never 0.00 % for a few in millions', () => {
  expect(percent3(8, 722_900)).toBe('0.00111 %');
  expect(percent3(1, 3)).toBe('33.3 %');
  expect(percent3(1, 8)).toBe('12.5 %');
  expect(percent3(1, 1)).toBe('100 %');
  expect(percent3(1, 2)).toBe('50.0 %');
  expect(percent3(8, 8_000_000_000)).toBe('0.000000100 %');
  expect(percent3(0, 10)).toBe('0 %');
  expect(percent3(3, 0)).toBe('-');
  // what the old report printed, and must not
  expect(percent3(8, 722_900)).not.toBe('0.00 %');
});

test('utc: date, time and zone; seconds and zone optional', () => {
  expect(utc('2026-03-01T08:05:12.345Z')).toBe('2026-03-01 08:05 UTC');
  expect(utc(Date.parse('2026-03-01T08:05:12Z'), true)).toBe('2026-03-01 08:05:12 UTC');
  expect(utc('2026-03-01T08:05:12Z', false, false)).toBe('2026-03-01 08:05');
});

test('duration: s, min, h and min, days', () => {
  expect([0, 44_600, 60_000, 59 * 60_000 + 59_000, 3_600_000 + 5 * 60_000, 47 * 3_600_000, 49 * 3_600_000].map(duration)).toEqual(['0 s', '45 s', '1 min', '59 min', '1 h 05 min', '47 h 00 min', '2 d 1 h']);
  expect(duration(-5000)).toBe('0 s');
});

test('num1 and html', () => {
  expect(num1(1396.862)).toBe('1,396.9');
  expect(num1(74)).toBe('74');
  expect(html(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
});
