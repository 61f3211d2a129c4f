import { PARKED_BATCH_MS, SamplingPolicy } from '../../lib/simulate/sampling-policy';
import type { Cell } from '../../lib/query/port';
import { COMPLETENESS_MIN, type ReportData } from './data';
import { duration } from './format';

/**
 * The attention table: one row per vehicle with its freshness, battery, DTCs and driving figures, and the
 * reasons it needs attention. Flagged vehicles sort first, the most severe first (docs/report.md).
 */

/** The devices' low-battery cut-off (lib/simulate/sampling-policy.ts): below it, a parked unit goes silent. */
export const CUTOFF_V = new SamplingPolicy().cutoffV;

/**
 * Freshness against the newest sample of the range ("as of"): a parked unit samples once a minute and sends them in
 * one envelope every PARKED_BATCH_MS (10 min), so live = a sample within that window plus 5 minutes (15 min);
 * stale = within 60 minutes; offline = nothing for longer.
 */
export const LIVE_MS = PARKED_BATCH_MS + 5 * 60_000;
export const OFFLINE_MS = 60 * 60_000;
export type Freshness = 'live' | 'stale' | 'offline';

export function freshness(sinceMs: number): Freshness {
  return sinceMs <= LIVE_MS ? 'live' : sinceMs <= OFFLINE_MS ? 'stale' : 'offline';
}

/** Why a vehicle is flagged; the weight orders the table (sum of weights, highest first). */
export interface Reason {
  kind: 'offline' | 'battery' | 'dtc' | 'vampire_drain' | 'stale' | 'completeness';
  weight: number;
  text: string;
}

export interface Dtc {
  code: string;
  firstSeen: string;
  lastSeen: string;
}

export interface VehicleStatus {
  vehicleId: string;
  lastSeen: string | null;
  sinceMs: number | null;
  freshness: Freshness | null;
  /** samples received / expected over the range (vehicle_daily). */
  completeness: number | null;
  batteryV: number | null;
  belowCutoff: boolean;
  dtcs: Dtc[];
  trips: number;
  distanceKm: number;
  harshPer100km: number | null;
  reasons: Reason[];
}

export const score = (v: VehicleStatus): number => v.reasons.reduce((a, r) => a + r.weight, 0);

const byVehicle = (rows: Array<Record<string, Cell>>) => {
  const m = new Map<string, Array<Record<string, Cell>>>();
  for (const r of rows) m.set(String(r.vehicle_id), [...(m.get(String(r.vehicle_id)) ?? []), r]);
  return m;
};

/** The vehicles of the report, flagged ones first (by score, then longest silent), then by id. */
export function vehicleStatuses(d: ReportData): VehicleStatus[] {
  const asOf = d.asOf ? Date.parse(d.asOf) : null;
  const latest = new Map(d.latest.map((v) => [v.vehicleId, v]));
  const totals = new Map(d.totals.map((v) => [v.vehicleId, v]));
  const harsh = new Map(d.harsh.rows.map((r) => [String(r.vehicle_id), r]));
  const dtcs = byVehicle(d.activeDtcs.rows);
  const drain = new Map(d.vampireDrain.rows.map((r) => [String(r.vehicle_id), r]));
  const lowDays = byVehicle(d.lowCompleteness.rows);
  const ids = [...new Set([...latest.keys(), ...totals.keys()])].sort();

  const out = ids.map((id): VehicleStatus => {
    const l = latest.get(id);
    const t = totals.get(id);
    const h = harsh.get(id);
    const sinceMs = l && asOf !== null ? asOf - Date.parse(l.lastSeen) : null;
    const fresh = sinceMs === null ? null : freshness(sinceMs);
    const batteryV = l?.batteryV ?? null;
    const belowCutoff = batteryV !== null && batteryV < CUTOFF_V;
    const codes = (dtcs.get(id) ?? []).map((r) => ({ code: String(r.code), firstSeen: String(r.first_seen_ts), lastSeen: String(r.last_seen_ts) }));
    const reasons: Reason[] = [];
    if (fresh === 'offline') {
      const cutOff = belowCutoff && l?.ignition === false ? ' (battery cut-off)' : '';
      reasons.push({ kind: 'offline', weight: 3, text: `offline for ${duration(sinceMs as number)}${cutOff}` });
    }
    if (belowCutoff) reasons.push({ kind: 'battery', weight: 3, text: `battery ${batteryV.toFixed(2)} V < ${CUTOFF_V} V cut-off` });
    if (codes.length) reasons.push({ kind: 'dtc', weight: 2, text: `DTC ${codes.map((c) => c.code).join(', ')}` });
    const dr = drain.get(id);
    if (dr) {
      const events = Number(dr.low_voltage_events ?? 0);
      const change = dr.v_off_change === null || dr.v_off_change === undefined ? null : Number(dr.v_off_change);
      const what = events > 0 ? `${events} low-voltage event${events === 1 ? '' : 's'}` : `parked voltage ${change} V over the range`;
      reasons.push({ kind: 'vampire_drain', weight: 2, text: `vampire drain: ${what}` });
    }
    if (fresh === 'stale') reasons.push({ kind: 'stale', weight: 1, text: `stale for ${duration(sinceMs as number)}` });
    const low = lowDays.get(id);
    if (low?.length) {
      const worst = low.reduce((a, r) => (Number(r.completeness) < Number(a.completeness) ? r : a));
      reasons.push({ kind: 'completeness', weight: 1, text: `completeness below ${COMPLETENESS_MIN} on ${low.length} day${low.length === 1 ? '' : 's'} (lowest ${Number(worst.completeness).toFixed(3)} on ${worst.dt})` });
    }
    return {
      vehicleId: id,
      lastSeen: l?.lastSeen ?? null,
      sinceMs,
      freshness: fresh,
      completeness: t && t.samplesExpected > 0 ? t.samplesReceived / t.samplesExpected : null,
      batteryV,
      belowCutoff,
      dtcs: codes,
      trips: t?.trips ?? 0,
      distanceKm: t?.distanceKm ?? 0,
      harshPer100km: h?.harsh_per_100km === undefined || h.harsh_per_100km === null ? null : Number(h.harsh_per_100km),
      reasons,
    };
  });
  return out.sort((a, b) => score(b) - score(a) || (score(a) > 0 ? (b.sinceMs ?? 0) - (a.sinceMs ?? 0) : 0) || a.vehicleId.localeCompare(b.vehicleId));
}
