import type { Rng } from './prng';
import { SamplingPolicy } from './sampling-policy';

/** One sample as the device sends it (vehicle_id is added for single-sample messages). */
export interface SimSample {
  ts: string;
  seq: number;
  ignition: boolean;
  battery_v: number;
  lat: number;
  lon: number;
  gps_speed_kmh: number;
  heading_deg: number;
  alt_m: number;
  hdop: number;
  speed_kmh: number;
  rpm: number;
  engine_load_pct: number;
  throttle_pct: number;
  fuel_level_pct: number;
  coolant_c: number;
  intake_air_c: number;
  ambient_c: number;
  maf_gs: number;
  odometer_km: number;
  accel_x_g: number;
  accel_y_g: number;
  accel_z_g: number;
  dtc?: string[];
}

export interface TimedSample {
  t: number;
  sample: SimSample;
}

const G = 9.81;
const MIN = 60_000;
const HOUR = 3_600_000;
const DTC_POOL = ['P0420', 'P0171', 'P0300', 'P0128', 'P0442', 'P0455', 'C0035', 'B1000', 'U0100'];

/** Thresholds the features step uses; the model keeps normal driving well inside them. */
export const HARSH_ACCEL_G = 0.35;
export const HARSH_BRAKE_G = -0.4;

interface Leg {
  targetKmh: number;
  lengthM: number;
  stopAtEnd: boolean;
  harshStart: boolean;
  harshStop: boolean;
}

export interface VehicleSetup {
  id: string;
  rng: Rng;
  start: number;
  durationMs: number;
  center: { lat: number; lon: number };
  /** A parasitic drain that takes the parked battery below 11.5 V within hours. */
  drain: boolean;
  onPeriodMs: number;
  /** Mean hours of driving per day: each parked gap is the trip just driven times (24 / driveHours - 1), ±50 %. */
  driveHoursPerDay: number;
}

const r1 = (x: number) => Math.round(x * 10) / 10;
const r2 = (x: number) => Math.round(x * 100) / 100;
const r3 = (x: number) => Math.round(x * 1000) / 1000;
const r6 = (x: number) => Math.round(x * 1e6) / 1e6;
const clamp = (x: number, lo: number, hi: number) => (x < lo ? lo : x > hi ? hi : x);

/**
 * A vehicle and its telematics device. Driving is stepped at the sampling period (<= 100 ms);
 * parked time jumps straight to the next device sample, with battery and coolant in closed form.
 */
export class Vehicle {
  readonly id: string;
  readonly drain: boolean;
  private readonly rng: Rng;
  private readonly policy: SamplingPolicy;
  private readonly stepMs: number;
  private t: number;
  private seq = 0;
  // physical state
  private lat: number;
  private lon: number;
  private readonly home: { lat: number; lon: number };
  private headingDeg: number;
  private targetHeadingDeg: number;
  private v = 0; // m/s
  private a = 0; // m/s^2
  private yawRate = 0; // rad/s
  private odometerKm: number;
  private fuelPct: number;
  private readonly tankL: number;
  private readonly displacementL: number;
  private coolant: number;
  private readonly ambient: number;
  private readonly restV: number;
  private readonly drainVph: number;
  private readonly baseAlt: number;
  private distM = 0;
  private ignition = false;
  private readonly dtc = new Set<string>();
  // parked
  private parkedSince: number;
  private coolantAtPark: number;
  private nextTripAt: number;
  private readonly parkedPerDriven: number;
  // driving
  private legs: Leg[] = [];
  private leg: Leg | undefined;
  private legDoneM = 0;
  private brakeDecel = 2;
  private accelMax = 2;
  private idleUntil = 0;
  private tripStartedAt = 0;
  private cruiseJitter = 0;

  constructor(s: VehicleSetup) {
    const rng = (this.rng = s.rng);
    this.id = s.id;
    this.drain = s.drain;
    this.stepMs = Math.min(100, s.onPeriodMs);
    this.policy = new SamplingPolicy({ onPeriodMs: s.onPeriodMs });
    this.home = { lat: s.center.lat + rng.normal(0.05), lon: s.center.lon + rng.normal(0.08) };
    this.lat = this.home.lat;
    this.lon = this.home.lon;
    this.headingDeg = this.targetHeadingDeg = rng.uniform(0, 360);
    this.odometerKm = rng.uniform(5_000, 180_000);
    this.fuelPct = rng.uniform(25, 95);
    this.tankL = rng.pick([45, 55, 60, 70]);
    this.displacementL = rng.pick([1.4, 1.6, 2.0, 2.5]);
    this.ambient = rng.uniform(4, 24);
    this.restV = rng.uniform(12.5, 12.7);
    this.drainVph = s.drain ? rng.uniform(0.3, 0.45) : rng.uniform(0.003, 0.01);
    this.baseAlt = rng.uniform(0, 120);
    this.parkedPerDriven = 24 / s.driveHoursPerDay - 1;
    this.t = s.start;
    if (s.drain) {
      // Park so that the battery crosses 11.5 V inside the simulated span when it can.
      const crossH = this.hoursToCross();
      this.parkedSince = s.start + rng.uniform(0.1, 0.6) * s.durationMs - crossH * HOUR;
      this.nextTripAt = this.parkedSince + crossH * HOUR + rng.uniform(30 * MIN, 4 * HOUR);
    } else if (rng.chance(0.4)) {
      this.parkedSince = s.start - rng.uniform(10 * MIN, 2 * HOUR);
      this.nextTripAt = s.start + rng.uniform(0, 2 * MIN);
    } else {
      this.parkedSince = s.start - rng.uniform(20 * MIN, 5 * HOUR);
      this.nextTripAt = s.start + rng.uniform(1 * MIN, Math.max(2 * MIN, 0.7 * s.durationMs));
    }
    this.coolantAtPark = rng.uniform(80, 92);
    this.coolant = this.parkedCoolant(s.start);
    // The device was running before the simulation: its last off-sample happened some time in the last minute.
    this.policy.observe(s.start - Math.round(rng.uniform(1, 59_000)), false, this.parkedBattery(s.start));
  }

  private hoursToCross(): number {
    // restV + 0.35*exp(...) - drain*h < 11.5, the surface charge is gone after ~1 h
    return (this.restV - 11.5) / this.drainVph + 0.05;
  }

  private parkedBattery(t: number): number {
    const dt = Math.max(0, t - this.parkedSince);
    return this.restV + 0.35 * Math.exp(-dt / (15 * MIN)) - (this.drainVph * dt) / HOUR;
  }

  private parkedCoolant(t: number): number {
    const dt = Math.max(0, t - this.parkedSince);
    return this.ambient + (this.coolantAtPark - this.ambient) * Math.exp(-dt / (45 * MIN));
  }

  private battery(t: number): number {
    // Rounded as reported, so the cut-off decision and the reported value agree.
    return r2(this.ignition ? 14.2 + this.rng.normal(0.04) - (this.v < 0.5 ? 0.15 : 0) : this.parkedBattery(t) + this.rng.normal(0.005));
  }

  /** Advances to `tEnd` (exclusive) and returns the samples the device took, in time order. */
  advanceTo(tEnd: number): TimedSample[] {
    const out: TimedSample[] = [];
    while (this.t < tEnd) {
      if (!this.ignition) {
        const due = this.policy.nextDueAt();
        const next = Math.max(this.t, Math.min(this.nextTripAt, due ?? Infinity));
        if (next >= tEnd) {
          this.t = tEnd;
          break;
        }
        this.t = Math.ceil(next);
        if (this.t >= this.nextTripAt) this.startTrip();
        else this.coolant = this.parkedCoolant(this.t);
      } else {
        if (this.t + this.stepMs >= tEnd) break;
        this.t += this.stepMs;
        this.drive(this.stepMs / 1000);
      }
      const battery = this.battery(this.t);
      if (this.policy.observe(this.t, this.ignition, battery)) out.push({ t: this.t, sample: this.sample(battery) });
    }
    return out;
  }

  private startTrip(): void {
    const rng = this.rng;
    this.ignition = true;
    this.tripStartedAt = this.t;
    this.idleUntil = this.t + rng.uniform(20_000, 90_000); // warm-up idle before pulling away
    if (this.parkedBattery(this.t) < 11.8) this.dtc.add('P0562'); // system voltage low
    if (this.dtc.size && rng.chance(0.25)) this.dtc.delete([...this.dtc][0]!);
    if (rng.chance(0.05)) this.dtc.add(rng.pick(DTC_POOL));
    const n = rng.int(3, 10);
    this.legs = [];
    for (let i = 0; i < n; i++) {
      const kind = rng.next();
      const [lo, hi, lmin, lmax] = kind < 0.55 ? [30, 50, 200, 1200] : kind < 0.85 ? [60, 80, 800, 4000] : [100, 120, 3000, 12000];
      this.legs.push({ targetKmh: rng.uniform(lo, hi), lengthM: rng.uniform(lmin, lmax), stopAtEnd: i === n - 1 || rng.chance(0.55), harshStart: false, harshStop: false });
    }
    // A few harsh events per trip: 1-2 hard brakes into a stop, 1-2 hard launches from one.
    const stops = this.legs.filter((l) => l.stopAtEnd);
    for (let k = rng.int(1, 2); k > 0; k--) rng.pick(stops).harshStop = true;
    for (let k = rng.int(1, 2); k > 0; k--) rng.pick(this.legs).harshStart = true;
    this.nextLeg();
  }

  private nextLeg(): void {
    this.leg = this.legs.shift();
    this.legDoneM = 0;
    if (!this.leg) return;
    const rng = this.rng;
    this.accelMax = this.leg.harshStart ? rng.uniform(3.8, 4.6) : rng.uniform(1.4, 2.2);
    this.brakeDecel = this.leg.harshStop ? rng.uniform(4.6, 6.4) : rng.uniform(1.8, 2.6);
    // Turn at the junction: often 90 degrees, else a bend; drift back towards home when far away.
    const dLat = this.home.lat - this.lat;
    const dLon = this.home.lon - this.lon;
    if (Math.hypot(dLat, dLon) > 0.25) this.targetHeadingDeg = ((Math.atan2(dLon, dLat) * 180) / Math.PI + 360) % 360;
    else this.targetHeadingDeg = (this.targetHeadingDeg + (rng.chance(0.5) ? rng.pick([-90, 90]) : rng.normal(15)) + 360) % 360;
  }

  private endTrip(): void {
    this.ignition = false;
    this.v = 0;
    this.a = 0;
    this.parkedSince = this.t;
    this.coolantAtPark = this.coolant;
    const rng = this.rng;
    const driven = this.t - this.tripStartedAt;
    this.nextTripAt = this.t + Math.max(5 * MIN, driven * this.parkedPerDriven * rng.uniform(0.5, 1.5));
    if (this.fuelPct < 15) this.fuelPct = rng.uniform(85, 98); // refuelled while parked
  }

  private drive(dt: number): void {
    const rng = this.rng;
    const leg = this.leg;
    let a: number;
    if (this.t < this.idleUntil || !leg) {
      a = this.v > 0 ? -Math.min(this.v / dt, this.brakeDecel) : 0;
      if (!leg && this.t >= this.idleUntil) return this.endTrip();
    } else {
      const rem = leg.lengthM - this.legDoneM;
      if (rem > 0 && this.t % 1000 < this.stepMs) this.cruiseJitter = clamp(this.cruiseJitter + rng.normal(0.4), -4, 4);
      const target = (leg.targetKmh + this.cruiseJitter) / 3.6;
      const needed = leg.stopAtEnd && rem > 0 ? (this.v * this.v) / (2 * rem) : 0;
      if (leg.stopAtEnd && (needed >= this.brakeDecel * 0.97 || rem <= 0)) {
        a = -Math.min(Math.max(needed, rem <= 0 ? this.brakeDecel : 0), this.brakeDecel * 1.12, this.v / dt);
      } else if (this.v < target) {
        a = Math.min(this.accelMax, Math.max(0.3, (target - this.v) / 1.5));
        if (leg.harshStart && this.v > 12) a = Math.min(a, 2); // the launch is the harsh part
      } else {
        a = -Math.min(1.2, (this.v - target) / 2);
      }
      if (leg.stopAtEnd && (rem <= 0.5 || (rem < 5 && this.v < 0.3)) && this.v + a * dt <= 0.05) {
        this.v = 0;
        a = 0;
        this.idleUntil = this.t + (this.legs.length ? rng.uniform(5_000, 45_000) : rng.uniform(5_000, 20_000));
        this.nextLeg();
      } else if (!leg.stopAtEnd && rem <= 0) this.nextLeg();
    }
    this.a = a;
    const v0 = this.v;
    this.v = Math.max(0, this.v + a * dt);
    const ds = ((v0 + this.v) / 2) * dt;
    this.legDoneM += ds;
    this.distM += ds;
    this.odometerKm += ds / 1000;
    // Heading follows the road; the yaw rate is limited by speed (lateral acceleration <= ~0.3 g).
    let diff = ((this.targetHeadingDeg - this.headingDeg + 540) % 360) - 180;
    if (this.t % 1000 < this.stepMs) this.targetHeadingDeg = (this.targetHeadingDeg + rng.normal(0.5) + 360) % 360;
    const maxYaw = this.v < 0.5 ? 0 : Math.min(0.45, (0.3 * G) / this.v); // rad/s
    const yaw = clamp((diff * Math.PI) / 180 / dt, -maxYaw, maxYaw);
    this.yawRate = yaw;
    diff = (yaw * dt * 180) / Math.PI;
    this.headingDeg = (this.headingDeg + diff + 360) % 360;
    const h = (this.headingDeg * Math.PI) / 180;
    this.lat += (ds * Math.cos(h)) / 111_320;
    this.lon += (ds * Math.sin(h)) / (111_320 * Math.cos((this.lat * Math.PI) / 180));
    this.coolant += (92 - this.coolant) * (1 - Math.exp(-dt / 240));
    const rpm = this.rpm();
    const load = this.load();
    const maf = (rpm / 120) * this.displacementL * 1.2 * (load / 100);
    this.fuelPct = Math.max(0, this.fuelPct - ((maf / 14.7 / 745) * dt * 100) / this.tankL);
  }

  private rpm(): number {
    if (!this.ignition) return 0;
    const kmh = this.v * 3.6;
    const idle = 790 + 30 * Math.sin(this.t / 3000);
    if (kmh < 3) return idle;
    const g = kmh < 15 ? 0 : kmh < 30 ? 1 : kmh < 50 ? 2 : kmh < 70 ? 3 : kmh < 95 ? 4 : 5;
    const perKmh = [120, 70, 48, 37, 30, 25][g]!;
    return clamp(Math.max(idle, kmh * perKmh) + Math.max(0, this.a) * 180, 600, 6500);
  }

  private load(): number {
    if (!this.ignition) return 0;
    if (this.a < -0.5) return 8;
    return clamp(20 + this.v * 3.6 * 0.22 + Math.max(0, this.a) * 14, 0, 100);
  }

  private sample(battery: number): SimSample {
    const rng = this.rng;
    const on = this.ignition;
    const rpm = this.rpm();
    const load = this.load();
    const maf = on ? (rpm / 120) * this.displacementL * 1.2 * (load / 100) : 0;
    const kmh = this.v * 3.6;
    const tripMin = on ? (this.t - this.tripStartedAt) / MIN : 0;
    const s: SimSample = {
      ts: new Date(this.t).toISOString(),
      seq: this.seq++,
      ignition: on,
      battery_v: r2(clamp(battery, 0, 30)),
      lat: r6(this.lat + rng.normal(0.000008)),
      lon: r6(this.lon + rng.normal(0.000008)),
      gps_speed_kmh: r1(Math.max(0, kmh + (kmh > 0 ? rng.normal(0.4) : 0))),
      heading_deg: r1(this.headingDeg % 360),
      alt_m: r1(this.baseAlt + 15 * Math.sin(this.distM / 2500) + rng.normal(0.5)),
      hdop: r1(rng.uniform(0.6, 1.4)),
      speed_kmh: Math.round(kmh),
      rpm: Math.round(rpm),
      engine_load_pct: r1(load),
      throttle_pct: r1(on ? clamp(12 + load * 0.55 + rng.normal(0.5), 0, 100) : 0),
      fuel_level_pct: r1(this.fuelPct),
      coolant_c: r1(on ? this.coolant : this.parkedCoolant(this.t)),
      intake_air_c: r1(this.ambient + 4 + (on ? 8 * (1 - Math.exp(-tripMin / 10)) : 0)),
      ambient_c: r1(this.ambient),
      maf_gs: r2(clamp(maf, 0, 655.35)),
      odometer_km: r1(this.odometerKm),
      accel_x_g: r3(this.a / G + rng.normal(0.012)),
      accel_y_g: r3((this.v * this.yawRate) / G + rng.normal(0.012)),
      accel_z_g: r3(1 + rng.normal(0.015)),
    };
    if (this.dtc.size) s.dtc = [...this.dtc].sort();
    return s;
  }
}
