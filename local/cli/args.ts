import { UsageError } from './errors';

/**
 * `parse(value)`, with a failure turned into a usage error that names the flag: `--from: invalid date "…": …`
 * (a message that names it already, like the shared `--dates has no dates`, is kept as it is).
 */
export function parseFlag<T>(flag: string, value: string, parse: (value: string) => T): T {
  try {
    return parse(value);
  } catch (err) {
    const message = (err as Error).message;
    throw new UsageError(message.startsWith(flag) ? message : `${flag}: ${message}`, { cause: err });
  }
}

export function positiveInteger(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n) || n < 1) throw new Error(`expected a positive integer, got ${JSON.stringify(value)}`);
  return n;
}
