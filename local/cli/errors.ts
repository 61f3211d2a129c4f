/**
 * How a `fleetlake` command ends: the exit codes, the same for every command (docs/cli.md#exit-codes).
 * runCli (program.ts) maps each error class below to its code and prints its message as one line.
 */
export const EXIT = {
  ok: 0,
  /** The work failed: a failed execution, a query error, an I/O error. */
  failed: 1,
  /** A usage or input error: unknown option, bad value, bad date, a lake that is missing or not a directory. */
  usage: 2,
  /** The work ran, but the lake is unhealthy: an alarm is firing (`status`), counts do not reconcile (`run`). */
  unhealthy: 3,
} as const;

/** A mistake in how the command was called: exit code 2. */
export class UsageError extends Error {}

/** The lake is unhealthy (the result was printed first): exit code 3. */
export class UnhealthyError extends Error {}

