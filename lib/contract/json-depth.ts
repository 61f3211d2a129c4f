import schema from './telemetry.v1.schema.json' with { type: 'json' };

/**
 * The deepest nesting of objects and arrays the contract accepts in one message (`x-max-depth` in the schema).
 * An envelope is 3 deep (message → samples → sample; `dtc` makes 4); anything far deeper is hostile, and
 * JSON.parse, JSON.stringify and ajv all recurse, so deeper input is rejected before any of them sees it.
 */
export const MAX_JSON_DEPTH: number = (schema as { 'x-max-depth': number })['x-max-depth'];

/**
 * The nesting depth of the JSON text `s` (0 for a scalar), counting `{` and `[` outside strings, in one loop
 * without recursion. Stops early and returns the first depth above `stopAbove` when one is given. Does not
 * validate: malformed text gives the depth of its brackets, and JSON.parse reports the error afterwards.
 */
export function jsonNestingDepth(s: string, stopAbove = Infinity): number {
  let depth = 0;
  let max = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 34) {
      // a string: skip to its closing quote (a backslash escapes the next character)
      for (i++; i < s.length; i++) {
        const d = s.charCodeAt(i);
        if (d === 92) i++;
        else if (d === 34) break;
      }
    } else if (c === 123 || c === 91) {
      if (++depth > max) {
        max = depth;
        if (max > stopAbove) return max;
      }
    } else if (c === 125 || c === 93) {
      depth--;
    }
  }
  return max;
}

/** True when `s` nests deeper than the contract's limit. */
export const tooDeep = (s: string, limit = MAX_JSON_DEPTH): boolean => jsonNestingDepth(s, limit) > limit;

/**
 * The nesting depth of a parsed JSON value (what `jsonNestingDepth` gives for its text), with an explicit stack
 * instead of recursion. Stops early and returns the first depth above `stopAbove` when one is given. V8's
 * JSON.parse does not recurse, so a parsed value may be arbitrarily deep; check it with this before anything that
 * does recurse (JSON.stringify, structuredClone) sees it.
 */
export function valueNestingDepth(value: unknown, stopAbove = Infinity): number {
  if (typeof value !== 'object' || value === null) return 0;
  const stack: object[] = [value];
  const depths: number[] = [1];
  let max = 0;
  while (stack.length) {
    const v = stack.pop()!;
    const d = depths.pop()!;
    if (d > max) {
      max = d;
      if (max > stopAbove) return max;
    }
    const children = Array.isArray(v) ? (v as unknown[]) : Object.values(v);
    for (const c of children) {
      if (typeof c === 'object' && c !== null) {
        stack.push(c);
        depths.push(d + 1);
      }
    }
  }
  return max;
}
