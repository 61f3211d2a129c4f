import { telemetryTopic } from '../ingest/rule';
import { Rng } from './prng';
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

export const vehicleId = (i: number) => `V${String(i + 1).padStart(4, '0')}`;

export function createFleet(o: FleetOptions): Vehicle[] {
  const seed = o.seed ?? 1;
  const hz = o.hz ?? 10;
  const fleetRng = Rng.derive(seed, 'fleet');
  // Roughly one in eight vehicles has a parasitic drain (at least one in a fleet of 3+).
  const drainers = new Set<number>();
  for (let i = 0; i < o.vehicles; i++) if (fleetRng.chance(0.125)) drainers.add(i);
  if (o.vehicles >= 3 && drainers.size === 0) drainers.add(fleetRng.int(0, o.vehicles - 1));
  return Array.from({ length: o.vehicles }, (_, i) =>
    new Vehicle({
      id: vehicleId(i),
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
 * Windows of `batchMs` (1 s when unbatched): per window, one envelope per vehicle that sampled,
 * or every sample as its own message in time order.
 */
export function* generateMessages(o: FleetOptions): Generator<SimMessage> {
  if (!(o.vehicles >= 1) || !(o.durationMs > 0)) throw new Error('need at least one vehicle and a positive duration');
  const fleet = createFleet(o);
  const batchMs = o.batchMs ?? 1000;
  const windowMs = batchMs > 0 ? batchMs : 1000;
  const end = o.start + o.durationMs;
  for (let w = o.start; w < end; w += windowMs) {
    const until = Math.min(w + windowMs, end);
    if (batchMs > 0) {
      for (const v of fleet) {
        const taken = v.advanceTo(until);
        for (let i = 0; i < taken.length; i += MAX_SAMPLES_PER_ENVELOPE) {
          const chunk = taken.slice(i, i + MAX_SAMPLES_PER_ENVELOPE);
          yield { topic: telemetryTopic(v.id, o.basicIngestRule), payload: { vehicle_id: v.id, samples: chunk.map((s) => s.sample) }, vehicleId: v.id, samples: chunk.length, at: chunk[chunk.length - 1]!.t };
        }
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
