import { QueryError } from './port';

/** An Athena execution parameter (a SQL literal's text) parsed into a typed value for local binding. */
export type Literal =
  | { type: 'bigint'; value: bigint }
  | { type: 'double'; value: number }
  | { type: 'varchar'; value: string }
  | { type: 'date'; value: string }
  | { type: 'timestamp'; value: string }
  | { type: 'boolean'; value: boolean }
  | { type: 'null' };

const USAGE = "a SQL literal: 42, 1.5, 'text', DATE '2026-03-01', TIMESTAMP '2026-03-01 10:00:00', true, false or NULL";

export function parseLiteral(text: string): Literal {
  const s = text.trim();
  if (/^[+-]?\d+$/.test(s)) return { type: 'bigint', value: BigInt(s) };
  if (/^[+-]?(\d+\.\d*|\.\d+|\d+(\.\d*)?e[+-]?\d+)$/i.test(s)) return { type: 'double', value: Number(s) };
  if (/^(true|false)$/i.test(s)) return { type: 'boolean', value: s.toLowerCase() === 'true' };
  if (/^null$/i.test(s)) return { type: 'null' };
  const typed = /^(?:(date|timestamp)\s*)?'((?:[^']|'')*)'$/is.exec(s);
  if (typed) {
    const value = (typed[2] as string).replace(/''/g, "'");
    const kind = typed[1]?.toLowerCase();
    if (kind === 'date') {
      if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) throw new QueryError(`parameter ${text}: DATE needs YYYY-MM-DD`);
      return { type: 'date', value };
    }
    if (kind === 'timestamp') {
      if (!/^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?$/.test(value)) throw new QueryError(`parameter ${text}: TIMESTAMP needs 'YYYY-MM-DD HH:MM[:SS[.fff]]'`);
      return { type: 'timestamp', value };
    }
    return { type: 'varchar', value };
  }
  throw new QueryError(`parameter ${JSON.stringify(text)} is not ${USAGE} (strings need single quotes, as in Athena)`);
}
