/**
 * The device sampling policy (what a telematics unit sends, not what the vehicle does):
 *  1. ignition on  -> every `onPeriodMs` (10 Hz);
 *  2. ignition off -> every `offPeriodMs` (one per 60 s);
 *  3. an ignition change samples immediately, whatever the schedule (ignition-priority trigger);
 *  4. ignition off and battery_v < `cutoffV` (11.5 V) -> that sample is sent, then nothing until
 *     ignition turns on again (vampire-drain cut-off).
 * What goes out when (ParkedEnvelope): while driving, one envelope per window (1 s); while parked, the samples wait in
 * one envelope for `PARKED_BATCH_MS` (10 min, the recommended device setting), and an ignition-on or a sample below
 * the cut-off sends it at once. Parked samples are then 10 per message instead of 1: a tenth of the per-message
 * IoT rule, action and Firehose charges while parked (docs/ingest.md, docs/scaling.md).
 */
export interface SamplingPolicyOptions {
  onPeriodMs?: number;
  offPeriodMs?: number;
  cutoffV?: number;
}

export class SamplingPolicy {
  readonly onPeriodMs: number;
  readonly offPeriodMs: number;
  readonly cutoffV: number;
  private lastSampleAt: number | null = null;
  private lastIgnition: boolean | null = null;
  private cutOff = false;

  constructor(options: SamplingPolicyOptions = {}) {
    this.onPeriodMs = options.onPeriodMs ?? 100;
    this.offPeriodMs = options.offPeriodMs ?? 60_000;
    this.cutoffV = options.cutoffV ?? 11.5;
    if (!(this.onPeriodMs > 0 && this.offPeriodMs > 0)) throw new Error('sampling periods must be positive');
  }

  /** True while the device is silent after the low-battery cut-off. */
  get isCutOff(): boolean {
    return this.cutOff;
  }

  /**
   * The device observes the vehicle at time `t` (ms, non-decreasing). Returns whether it takes a sample now.
   * Call at every ignition change and at least at every `nextDueAt()`.
   */
  observe(t: number, ignition: boolean, batteryV: number): boolean {
    const changed = this.lastIgnition !== null && ignition !== this.lastIgnition;
    this.lastIgnition = ignition;
    if (changed && ignition) this.cutOff = false;
    let take: boolean;
    if (changed || this.lastSampleAt === null) take = true;
    else if (this.cutOff) take = false;
    else take = t - this.lastSampleAt >= (ignition ? this.onPeriodMs : this.offPeriodMs);
    if (!take) return false;
    this.lastSampleAt = t;
    if (!ignition && batteryV < this.cutoffV) this.cutOff = true;
    return true;
  }

  /** When the next scheduled sample is due; null while cut off (only an ignition change wakes it). */
  nextDueAt(): number | null {
    if (this.cutOff) return null;
    if (this.lastSampleAt === null || this.lastIgnition === null) return -Infinity;
    return this.lastSampleAt + (this.lastIgnition ? this.onPeriodMs : this.offPeriodMs);
  }
}

/** The recommended parked batching window of the device contract (docs/ingest.md). 0 sends every parked sample alone. */
export const PARKED_BATCH_MS = 600_000;

export interface HeldSample {
  t: number;
  ignition: boolean;
  batteryV: number;
}

/**
 * The device's parked envelope: ignition-off samples are held until the oldest is `parkedBatchMs` old; an
 * ignition-on sample or one below `cutoffV` sends what is held at once (the low one included). Pure: time is passed in.
 */
export class ParkedEnvelope<T extends HeldSample> {
  private held: T[] = [];

  constructor(
    readonly parkedBatchMs: number = PARKED_BATCH_MS,
    readonly cutoffV = 11.5,
  ) {
    if (!(parkedBatchMs >= 0)) throw new Error('the parked batching window must be >= 0');
  }

  get size(): number {
    return this.held.length;
  }

  /**
   * One sample the policy took. Returns the held samples to send now (in time order) and whether `s` itself goes out
   * in the current driving envelope (`now`) or waits (held, or sent with the flush).
   */
  add(s: T): { flush: T[]; now: boolean } {
    if (s.ignition) return { flush: this.take(), now: true };
    this.held.push(s);
    if (this.parkedBatchMs === 0 || s.batteryV < this.cutoffV) return { flush: this.take(), now: false };
    return { flush: [], now: false };
  }

  /** At the end of a window (time `t`): what is held, when the oldest has waited the whole window. */
  due(t: number): T[] {
    return this.held.length && t - this.held[0]!.t >= this.parkedBatchMs ? this.take() : [];
  }

  /** Everything held (the device's last envelope before it stops). */
  take(): T[] {
    const out = this.held;
    this.held = [];
    return out;
  }
}
