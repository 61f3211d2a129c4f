/** One phase's outcome: measured keys, or why it was not measured (its keys are then absent). */
export interface PhaseResult {
  name: string;
  measured: boolean;
  /** Why not measured (module missing, upstream phase failed). */
  reason?: string;
  seconds: number;
  values: Record<string, unknown>;
  /** Human-readable lines for the markdown report. */
  notes: string[];
}

export interface BenchContext {
  repo: string;
  /** Temporary work directory outside the repo; the bench lake is `<work>/lake`. */
  work: string;
  lake: string;
  quick: boolean;
  vehicles: number;
  /** Virtual start of the simulated day (UTC midnight of yesterday: inside the lateness window). */
  start: string;
  seed: number;
  cores: number;
  log: (line: string) => void;
  /** Values measured by earlier phases (samples, dates, ...). */
  shared: Record<string, unknown>;
}

export const notMeasured = (name: string, reason: string): PhaseResult => ({ name, measured: false, reason, seconds: 0, values: {}, notes: [] });
