import { parseHTML } from 'linkedom';
import type { QueryResult } from '../../lib/query/port';
import { checkRange, ReportInputError } from './build';
import type { ReportData } from './data';
import { BATTERY_LOWEST, queryTable, quarantineByReason, renderReport } from './html';

const result = (columns: string[], rows: QueryResult['rows']): QueryResult => ({ columns: columns.map((name) => ({ name, type: 'VARCHAR' })), rows });
const T0 = Date.parse('2026-03-01T00:00:00Z');

test('quarantine by reason from data_quality_report rows: summed over days; valid samples once per day', () => {
  const cols = ['dt', 'reason', 'quarantined', 'quarantined_day', 'valid_samples', 'quarantine_ratio'];
  const q = quarantineByReason(result(cols, [
    { dt: '2026-03-01', reason: 'none', quarantined: 0, quarantined_day: 0, valid_samples: 1000, quarantine_ratio: 0 },
    { dt: '2026-03-02', reason: 'bad_format', quarantined: 2, quarantined_day: 5, valid_samples: 500, quarantine_ratio: 0.0099 },
    { dt: '2026-03-02', reason: 'invalid_json', quarantined: 3, quarantined_day: 5, valid_samples: 500, quarantine_ratio: 0.0099 },
    { dt: '2026-03-03', reason: 'bad_format', quarantined: 4, quarantined_day: 4, valid_samples: 0, quarantine_ratio: 1 },
  ]));
  expect(q).toEqual({ reasons: [{ reason: 'bad_format', count: 6 }, { reason: 'invalid_json', count: 3 }], quarantined: 9, valid: 1500 });
});

test('a named query’s table: its columns in order, timestamps in UTC, text escaped', () => {
  const doc = parseHTML(queryTable('t', result(['vehicle_id', 'code', 'last_seen_ts', 'samples'], [{ vehicle_id: '<V1>', code: 'P0300', last_seen_ts: '2026-03-01T08:00:05.500Z', samples: 3 }]), 'none')).document;
  expect([...doc.querySelectorAll('th')].map((t) => t.textContent)).toEqual(['vehicle_id', 'code', 'last_seen_ts', 'samples']);
  expect([...doc.querySelectorAll('td')].map((t) => t.textContent)).toEqual(['<V1>', 'P0300', '2026-03-01 08:00:05 UTC', '3']);
  expect(doc.querySelector('td')!.innerHTML).toBe('&lt;V1&gt;');
  expect(queryTable('t', result(['a'], []), 'No rows.')).toBe('<p class="muted" id="t-empty">No rows.</p>');
});

function data(vehicles: number): ReportData {
  const ids = Array.from({ length: vehicles }, (_, i) => `V${String(i + 1).padStart(4, '0')}`);
  const empty = result([], []);
  return {
    generatedAt: '2026-03-02T00:10:00.000Z',
    range: { from: '2026-03-01', to: '2026-03-01' },
    asOf: '2026-03-02T00:00:00.000Z',
    latest: ids.map((vehicleId, i) => ({ vehicleId, lastSeen: '2026-03-02T00:00:00.000Z', batteryV: 12 + i / 100, ignition: false, samples: 10 })),
    totals: [],
    harsh: empty,
    lowCompleteness: empty,
    activeDtcs: empty,
    vampireDrain: empty,
    trips: [],
    tracks: [],
    battery: ids.map((vehicleId, i) => ({ vehicleId, points: [[T0, 12 + i / 100], [T0 + 300_000, 12.5]] })),
    days: [],
    quality: empty,
    executions: [],
  };
}

test('the page: sections in order, a CSP against network access, nothing to fetch', () => {
  const page = renderReport(data(3), '/lake');
  const doc = parseHTML(page).document;
  expect([...doc.querySelectorAll('h2')].map((h) => h.id)).toEqual(['attention-heading', 'map-heading', 'battery-heading', 'trips-heading', 'dtc-heading', 'vampire-heading', 'pipeline-heading']);
  expect(doc.querySelector('meta[http-equiv="Content-Security-Policy"]')!.getAttribute('content')).toMatch(/^default-src 'none';/);
  expect(page).not.toMatch(/\b(?:src|href)\s*=\s*["'](?!#|data:)/i);
  expect(doc.querySelectorAll('#attention tbody tr')).toHaveLength(3);
  expect(doc.querySelector('.summary')!.textContent).toContain('0 of 3 vehicles need attention.');
});

test('battery: every vehicle up to 24, else the 12 lowest, lowest first', () => {
  const few = parseHTML(renderReport(data(5), '/lake')).document;
  expect([...few.querySelectorAll('#battery figure')].map((f) => f.getAttribute('data-vehicle'))).toEqual(['V0001', 'V0002', 'V0003', 'V0004', 'V0005']);
  const many = parseHTML(renderReport(data(30), '/lake')).document;
  const shown = [...many.querySelectorAll('#battery figure')].map((f) => f.getAttribute('data-vehicle'));
  expect(shown).toHaveLength(BATTERY_LOWEST);
  expect(shown[0]).toBe('V0001');
  expect(many.querySelector('#battery p')!.textContent).toContain('the 12 lowest of 30 vehicles');
});

test('checkRange: real calendar days, from <= to; a one-line input error otherwise', () => {
  expect(() => checkRange('2026-03-01', '2026-03-01')).not.toThrow();
  expect(() => checkRange(undefined, undefined)).not.toThrow();
  expect(() => checkRange('2026-13-01')).toThrow(ReportInputError);
  expect(() => checkRange('2026-13-01')).toThrow(/^--from: invalid date "2026-13-01"/);
  expect(() => checkRange(undefined, '2026-02-30')).toThrow(/^--to: invalid date "2026-02-30"/);
  expect(() => checkRange('2026-03-02', '2026-03-01')).toThrow('--from 2026-03-02 is after --to 2026-03-01');
});
