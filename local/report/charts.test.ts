import { parseHTML } from 'linkedom';
import { batteryMultiples, dailyDistance, partialDay, quarantineChart, tripMap, withGaps } from './charts';
import type { Trip, TripTrack } from './data';
import { TABLEAU20, vehicleColorScale } from './palette';

const parse = (fragment: string) => parseHTML(`<!doctype html><html><body>${fragment}</body></html>`).document;
const T0 = Date.parse('2026-03-01T08:00:00Z');
const MIN5 = 300_000;

test('withGaps breaks the line where a whole 5-minute bucket is missing, and only there', () => {
  const rows = withGaps([[T0, 12.6], [T0 + MIN5, 12.5], [T0 + 4 * MIN5, 12.4], [T0 + 5 * MIN5, 12.3]]);
  expect(rows.map((r) => [r.t.getTime() - T0, r.v])).toEqual([[0, 12.6], [MIN5, 12.5], [2 * MIN5, NaN], [4 * MIN5, 12.4], [5 * MIN5, 12.3]]);
  expect(withGaps([[T0, 1], [T0 + MIN5, 2]]).some((r) => Number.isNaN(r.v))).toBe(false);
});

test('partialDay: data must start by 00:05 and end after 23:55 UTC', () => {
  const day = (first: string, last: string) => ({ dt: '2026-03-01', vehicles: 1, trips: 0, distanceKm: 0, firstSample: `2026-03-01T${first}Z`, lastSample: `2026-03-01T${last}Z` });
  expect(partialDay(day('00:00:30', '23:59:10'))).toBe(false);
  expect(partialDay(day('00:05:00', '23:55:00'))).toBe(false);
  expect(partialDay(day('01:57:04', '23:59:58'))).toBe(true);
  expect(partialDay(day('00:00:00', '01:56:59'))).toBe(true);
});

const trip = (vehicleId: string, k: number): Trip => ({
  vehicleId, tripId: `${vehicleId}-${k}`, start: new Date(T0 + k * 3_600_000).toISOString(), end: new Date(T0 + k * 3_600_000 + 600_000).toISOString(),
  durationS: 600, distanceKm: 8.3, avgSpeedKmh: 50, maxSpeedKmh: 50, idleS: 0, harshBrakes: 0, harshAccels: 0,
});
const track = (vehicleId: string, k: number, lon: number): TripTrack => ({ vehicleId, tripId: `${vehicleId}-${k}`, points: [[lon, 51], [lon + 0.05, 51.05], [lon + 0.1, 51.1]] });

test('the map: outlines, one track per vehicle (its trips as pieces), distinct colours, hover text, scale bar', () => {
  const ids = ['V1', 'V2', 'V3'];
  const tracks = [track('V1', 0, 4.0), track('V1', 1, 4.3), track('V2', 0, 4.6), track('V3', 0, 5.0)];
  const doc = parse(tripMap({ tracks, trips: tracks.map((t) => trip(t.vehicleId, Number(t.tripId.split('-')[1]))), vehicleIds: ids }));
  expect(doc.querySelectorAll('g.land path').length).toBeGreaterThan(0);
  expect(doc.querySelectorAll('g.borders path').length).toBe(1);
  const paths = [...doc.querySelectorAll('g.tracks path')];
  expect(paths).toHaveLength(3);
  expect(paths.map((p) => p.getAttribute('d')!.split('M').length - 1)).toEqual([2, 1, 1]); // V1's two trips: two pieces
  expect(new Set(paths.map((p) => p.getAttribute('stroke'))).size).toBe(3);
  expect(paths[0]!.querySelector('title')!.textContent).toBe('V1: 2 trips, 16.6 km\n2026-03-01 08:00 UTC → 2026-03-01 09:10 UTC');
  expect([...doc.querySelectorAll('g.trip-starts title')].map((t) => t.textContent)[2]).toBe('V2 trip\n2026-03-01 08:00 UTC → 2026-03-01 08:10 UTC\n8.3 km');
  expect(doc.querySelector('g.scale-bar path')).not.toBeNull();
  expect(tripMap({ tracks: [], trips: [], vehicleIds: [] })).toContain('No GPS positions');
});

test('20 vehicles get 20 different colours (the old palette repeated after 10); more still differ', () => {
  expect(new Set(TABLEAU20).size).toBe(20);
  const twenty = vehicleColorScale(Array.from({ length: 20 }, (_, i) => `V${String(i + 1).padStart(4, '0')}`));
  expect(new Set(twenty.range as string[]).size).toBe(20);
  expect(vehicleColorScale(Array.from({ length: 30 }, (_, i) => `V${i}`)).scheme).toBe('turbo');
});

test('battery multiples: one chart per vehicle with the cut-off line; an offline silence is a gap in the line', () => {
  const series = [
    { vehicleId: 'V1', points: [[T0, 12.6], [T0 + MIN5, 12.5], [T0 + 10 * MIN5, 11.4]] as Array<[number, number]> },
    { vehicleId: 'V2', points: [[T0, 12.6], [T0 + MIN5, 12.6]] as Array<[number, number]> },
  ];
  const doc = parse(batteryMultiples(series, ['V1', 'V2']));
  const figures = [...doc.querySelectorAll('figure.multiple')];
  expect(figures.map((f) => f.getAttribute('data-vehicle'))).toEqual(['V1', 'V2']);
  expect(figures[0]!.querySelector('figcaption')!.textContent).toBe('V1 · lowest 11.40 V < 11.5 V');
  const d = (f: (typeof figures)[number]) => f.querySelector('g.battery path')!.getAttribute('d')!;
  expect(d(figures[0]!).split('M').length - 1).toBe(2);
  expect(d(figures[1]!).split('M').length - 1).toBe(1);
  for (const f of figures) expect(f.querySelector('g.cut-off line')).not.toBeNull();
  // date and time on the axis, and UTC
  expect([...figures[0]!.querySelectorAll('text')].map((t) => t.textContent).join(' ')).toMatch(/03-01.*08:00.*UTC/s);
});

test('daily distance marks partial days; quarantine shows 3 significant figures', () => {
  const days = [
    { dt: '2026-03-01', vehicles: 2, trips: 3, distanceKm: 1396.862, firstSample: '2026-03-01T01:57:04Z', lastSample: '2026-03-01T23:59:58Z' },
    { dt: '2026-03-02', vehicles: 2, trips: 3, distanceKm: 1400, firstSample: '2026-03-02T00:00:01Z', lastSample: '2026-03-02T23:59:59Z' },
  ];
  const dd = parse(dailyDistance(days)).body.textContent;
  expect(dd).toContain('1,396.9 km · partial: 01:57–23:59 (22.0 h)');
  expect(dd).toContain('1,400 km');
  expect(dd).not.toContain('1,400 km · partial');
  expect(parse(quarantineChart([{ reason: 'invalid_json', count: 8 }], 722_900)).body.textContent).toContain('8 (0.00111 %)');
});
