import { telemetrySchema } from '../contract/columns';
import { telemetryTopic } from '../ingest/rule';
import { Rng } from './prng';
import { ParkedEnvelope, PARKED_BATCH_MS, type HeldSample } from './sampling-policy';
import { Vehicle, type SimSample, type TimedSample } from './vehicle';

export interface FleetOptions {
  vehicles: number;
  /** Virtual start (epoch ms). */
  start: number;
  durationMs: number;
  /** Sampling rate with ignition on. Default 10. */
  hz?: number;
  seed?: string | number;
  /** Envelope window in ms: one message per vehicle per window. 0 = one message per sample. Default 1000. */
  batchMs?: number;
  /** Mean hours of driving per vehicle per day. Default 1. */
  driveHoursPerDay?: number;
  /** Publish on the Basic Ingest topic of this rule instead of fleet/<id>/telemetry. */
  basicIngestRule?: string;
  /** Parked samples wait this long in one envelope (the device contract, PARKED_BATCH_MS by default; 0 = each alone). */
  parkedBatchMs?: number;
  /** Vehicle ids are `<idPrefix>0001`, `<idPrefix>0002`, ... (default `V`). Names only: the seed decides the data. */
  idPrefix?: string;
}

export interface SimMessage {
  topic: string;
  payload: { vehicle_id: string; samples: SimSample[] } | (SimSample & { vehicle_id: string });
  vehicleId: string;
  samples: number;
  /** Virtual time the device publishes it (epoch ms). */
  at: number;
}

/** Envelopes stay well under 128 KB: a full sample serialises to ~430 bytes. */
export const MAX_SAMPLES_PER_ENVELOPE = 250;

/** City centres the fleet is spread over (deterministic by vehicle index). */
const CENTRES = [
  { lat: 52.3676, lon: 4.9041 },
  { lat: 51.9244, lon: 4.4777 },
  { lat: 50.8503, lon: 4.3517 },
  { lat: 51.2194, lon: 4.4025 },
];

export const DEFAULT_ID_PREFIX = 'V';
export const vehicleId = (i: number, prefix = DEFAULT_ID_PREFIX) => `${prefix}${String(i + 1).padStart(4, '0')}`;

/** The contract's vehicle_id pattern (lib/contract/telemetry.v1.schema.json). */
const VEHICLE_ID_PATTERN = telemetrySchema.$defs.sample.properties.vehicle_id.pattern;

/** Why a fleet of `vehicles` cannot use ids with this prefix (its last id breaks the contract's pattern), or null. */
export function idPrefixProblem(prefix: string, vehicles: number): string | null {
  const last = vehicleId(Math.max(vehicles, 1) - 1, prefix);
  return new RegExp(VEHICLE_ID_PATTERN).test(last)
    ? null
    : `vehicle ids like ${JSON.stringify(last)} do not match the contract's vehicle_id pattern ${VEHICLE_ID_PATTERN} (letters, digits, _ and -, at most 64)`;
}

export function createFleet(o: FleetOptions): Vehicle[] {
  const prefix = o.idPrefix ?? DEFAULT_ID_PREFIX;
  const problem = idPrefixProblem(prefix, o.vehicles);
  if (problem) throw new Error(`id prefix ${JSON.stringify(prefix)}: ${problem}`);
  const seed = o.seed ?? 1;
  const hz = o.hz ?? 10;
  const fleetRng = Rng.derive(seed, 'fleet');
  // Roughly one in eight vehicles has a parasitic drain (at least one in a fleet of 3+).
  const drainers = new Set<number>();
  for (let i = 0; i < o.vehicles; i++) if (fleetRng.chance(0.125)) drainers.add(i);
  if (o.vehicles >= 3 && drainers.size === 0) drainers.add(fleetRng.int(0, o.vehicles - 1));
  return Array.from({ length: o.vehicles }, (_, i) =>
    new Vehicle({
      id: vehicleId(i, prefix),
      rng: Rng.derive(seed, vehicleId(i)),
      start: o.start,
      durationMs: o.durationMs,
      center: CENTRES[i % CENTRES.length]!,
      drain: drainers.has(i),
      onPeriodMs: Math.round(1000 / hz),
      driveHoursPerDay: o.driveHoursPerDay ?? 1,
    }),
  );
}

/**
 * The fleet as an ordered stream of MQTT messages (virtual time, deterministic for a seed).
 * Windows of `batchMs` (1 s when unbatched): per window, one envelope per vehicle that sampled while driving, parked
 * samples held by the device's ParkedEnvelope (sent every `parkedBatchMs`, or at once on ignition-on or a low
 * battery); or, unbatched, every sample as its own message in time order.
 */
export function* generateMessages(o: FleetOptions): Generator<SimMessage> {
  if (!(o.vehicles >= 1) || !(o.durationMs > 0)) throw new Error('need at least one vehicle and a positive duration');
  const fleet = createFleet(o);
  const batchMs = o.batchMs ?? 1000;
  const windowMs = batchMs > 0 ? batchMs : 1000;
  const end = o.start + o.durationMs;
  const parked = fleet.map(() => new ParkedEnvelope<HeldSample & TimedSample>(o.parkedBatchMs ?? PARKED_BATCH_MS));
  const envelopes = function* (v: Vehicle, list: readonly TimedSample[], at: number): Generator<SimMessage> {
    for (let i = 0; i < list.length; i += MAX_SAMPLES_PER_ENVELOPE) {
      const chunk = list.slice(i, i + MAX_SAMPLES_PER_ENVELOPE);
      yield { topic: telemetryTopic(v.id, o.basicIngestRule), payload: { vehicle_id: v.id, samples: chunk.map((s) => s.sample) }, vehicleId: v.id, samples: chunk.length, at: Math.max(at, chunk[chunk.length - 1]!.t) };
    }
  };
  for (let w = o.start; w < end; w += windowMs) {
    const until = Math.min(w + windowMs, end);
    if (batchMs > 0) {
      for (const [k, v] of fleet.entries()) {
        const envelope = parked[k]!;
        const now: TimedSample[] = [];
        const out: SimMessage[] = [];
        for (const s of v.advanceTo(until)) {
          const r = envelope.add({ ...s, ignition: s.sample.ignition, batteryV: s.sample.battery_v });
          out.push(...envelopes(v, r.flush, s.t));
          if (r.now) now.push(s);
        }
        // the device sends a full parked envelope at the end of the window (and what it holds when the run ends)
        out.push(...envelopes(v, envelope.due(until), until - 1), ...envelopes(v, until === end ? envelope.take() : [], until - 1), ...envelopes(v, now, 0));
        yield* out.sort((a, b) => a.at - b.at);
      }
    } else {
      const all: Array<TimedSample & { v: number }> = [];
      fleet.forEach((v, i) => {
        for (const s of v.advanceTo(until)) all.push({ ...s, v: i });
      });
      all.sort((a, b) => a.t - b.t || a.v - b.v);
      for (const s of all) {
        const id = fleet[s.v]!.id;
        yield { topic: telemetryTopic(id, o.basicIngestRule), payload: { vehicle_id: id, ...s.sample }, vehicleId: id, samples: 1, at: s.t };
      }
    }
  }
}
