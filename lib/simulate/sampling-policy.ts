/**
 * The device sampling policy (what a telematics unit sends, not what the vehicle does):
 *  1. ignition on  -> every `onPeriodMs` (10 Hz);
 *  2. ignition off -> every `offPeriodMs` (one per 60 s);
 *  3. an ignition change samples immediately, whatever the schedule (ignition-priority trigger);
 *  4. ignition off and battery_v < `cutoffV` (11.5 V) -> that sample is sent, then nothing until
 *     ignition turns on again (vampire-drain cut-off).
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
