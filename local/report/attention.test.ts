import type { QueryResult } from '../../lib/query/port';
import { CUTOFF_V, freshness, LIVE_MS, OFFLINE_MS, score, vehicleStatuses } from './attention';
import type { ReportData, VehicleLatest } from './data';

const AS_OF = '2026-03-02T12:00:00.000Z';
const ago = (ms: number) => new Date(Date.parse(AS_OF) - ms).toISOString();
const result = (rows: QueryResult['rows']): QueryResult => ({ columns: Object.keys(rows[0] ?? {}).map((name) => ({ name, type: 'VARCHAR' })), rows });

function data(latest: Array<Partial<VehicleLatest> & { vehicleId: string }>, extra: Partial<ReportData> = {}): ReportData {
  return {
    generatedAt: AS_OF,
    range: { from: '2026-03-01', to: '2026-03-02' },
    asOf: AS_OF,
    latest: latest.map((v) => ({ lastSeen: AS_OF, batteryV: 12.6, ignition: false, samples: 100, ...v })),
    totals: latest.map((v) => ({ vehicleId: v.vehicleId, trips: 2, distanceKm: 50, samplesReceived: 990, samplesExpected: 1000 })),
    harsh: result([]),
    lowCompleteness: result([]),
    activeDtcs: result([]),
    vampireDrain: result([]),
    trips: [],
    tracks: [],
    battery: [],
    days: [],
    quality: result([]),
    executions: [],
    ...extra,
  };
}

test('freshness thresholds: live up to 15 min (the 10-minute parked envelope + 5), stale up to 60 min, offline beyond', () => {
  expect([0, LIVE_MS, LIVE_MS + 1, OFFLINE_MS, OFFLINE_MS + 1].map(freshness)).toEqual(['live', 'live', 'stale', 'stale', 'offline']);
  expect(LIVE_MS).toBe(15 * 60_000);
  expect(OFFLINE_MS).toBe(60 * 60_000);
});

test('the cut-off is the sampling policy’s 11.5 V, and only below it flags', () => {
  expect(CUTOFF_V).toBe(11.5);
  const vs = vehicleStatuses(data([{ vehicleId: 'AT', batteryV: 11.5 }, { vehicleId: 'BELOW', batteryV: 11.49 }]));
  expect(vs.map((v) => [v.vehicleId, v.belowCutoff, v.reasons.map((r) => r.text)])).toEqual([
    ['BELOW', true, ['battery 11.49 V < 11.5 V cut-off']],
    ['AT', false, []],
  ]);
});

test('flagged vehicles sort first by severity, then longest silent, then id; each says why', () => {
  const d = data(
    [
      { vehicleId: 'A-ok' },
      { vehicleId: 'B-dtc', lastSeen: ago(60_000) },
      { vehicleId: 'C-offline-cut', lastSeen: ago(3 * 3_600_000 + 5 * 60_000), batteryV: 11.42, ignition: false },
      { vehicleId: 'D-stale', lastSeen: ago(20 * 60_000) },
      { vehicleId: 'E-gaps' },
      { vehicleId: 'F-drain', lastSeen: ago(2 * 60_000) },
    ],
    {
      activeDtcs: result([{ vehicle_id: 'B-dtc', code: 'P0300', first_seen_ts: ago(7_200_000), last_seen_ts: ago(60_000), days_seen: 1, samples: 9 }]),
      vampireDrain: result([{ vehicle_id: 'F-drain', low_voltage_events: 0, parked_days: 2, first_v_off: 12.5, last_v_off: 12.2, lowest_v_off: 12.2, v_off_change: -0.3 }]),
      lowCompleteness: result([
        { vehicle_id: 'E-gaps', dt: '2026-03-01', samples_received: 900, samples_expected: 1000, samples_missing: 100, completeness: 0.9 },
        { vehicle_id: 'E-gaps', dt: '2026-03-02', samples_received: 800, samples_expected: 1000, samples_missing: 200, completeness: 0.8 },
      ]),
      harsh: result([{ leaderboard_rank: 1, vehicle_id: 'A-ok', distance_km: 50, harsh_brakes: 2, harsh_accels: 1, harsh_per_100km: 6 }]),
    },
  );
  const vs = vehicleStatuses(d);
  expect(vs.map((v) => [v.vehicleId, score(v), v.freshness])).toEqual([
    ['C-offline-cut', 6, 'offline'],
    ['F-drain', 2, 'live'], // ties with B-dtc on score; silent longer
    ['B-dtc', 2, 'live'],
    ['D-stale', 1, 'stale'],
    ['E-gaps', 1, 'live'],
    ['A-ok', 0, 'live'],
  ]);
  const why = Object.fromEntries(vs.map((v) => [v.vehicleId, v.reasons.map((r) => r.text)]));
  expect(why['C-offline-cut']).toEqual(['offline for 3 h 05 min (battery cut-off)', 'battery 11.42 V < 11.5 V cut-off']);
  expect(why['B-dtc']).toEqual(['DTC P0300']);
  expect(why['F-drain']).toEqual(['vampire drain: parked voltage -0.3 V over the range']);
  expect(why['D-stale']).toEqual(['stale for 20 min']);
  expect(why['E-gaps']).toEqual(['completeness below 0.95 on 2 days (lowest 0.800 on 2026-03-02)']);
  const ok = vs.find((v) => v.vehicleId === 'A-ok')!;
  expect([ok.completeness, ok.harshPer100km, ok.trips, ok.distanceKm]).toEqual([0.99, 6, 2, 50]);
  expect(vs.find((v) => v.vehicleId === 'B-dtc')!.dtcs).toEqual([{ code: 'P0300', firstSeen: ago(7_200_000), lastSeen: ago(60_000) }]);
});

test('unflagged vehicles keep id order; a vehicle offline with ignition on is not called cut off', () => {
  const vs = vehicleStatuses(data([{ vehicleId: 'V3' }, { vehicleId: 'V1' }, { vehicleId: 'V2', lastSeen: ago(2 * 3_600_000), batteryV: 11.0, ignition: true }]));
  expect(vs.map((v) => v.vehicleId)).toEqual(['V2', 'V1', 'V3']);
  expect(vs[0]!.reasons[0]!.text).toBe('offline for 2 h 00 min');
});
