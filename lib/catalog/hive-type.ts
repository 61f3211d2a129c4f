/**
 * Glue/Hive column types (`string`, `array<string>`, `struct<a:bigint,b:array<double>>`) as a tree, so each query
 * engine adapter renders them in its own spelling from one parser.
 */
export type HiveType =
  | { kind: 'scalar'; name: string }
  | { kind: 'array'; of: HiveType }
  | { kind: 'struct'; fields: ReadonlyArray<{ name: string; type: HiveType }> };

/** Splits at the commas that are not inside `<…>` or `(…)` (Glue's and Trino's type spellings alike). */
export function splitTopLevel(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '<' || c === '(') depth++;
    else if (c === '>' || c === ')') depth--;
    else if (c === ',' && depth === 0) {
      out.push(s.slice(start, i));
      start = i + 1;
    }
  }
  out.push(s.slice(start));
  return out;
}

export function parseHiveType(text: string): HiveType {
  const t = text.trim();
  const arr = /^array<(.+)>$/s.exec(t);
  if (arr) return { kind: 'array', of: parseHiveType(arr[1] as string) };
  const struct = /^struct<(.+)>$/s.exec(t);
  if (struct) {
    return {
      kind: 'struct',
      fields: splitTopLevel(struct[1] as string).map((f) => {
        const i = f.indexOf(':');
        if (i <= 0) throw new Error(`bad struct field "${f}" in Glue type ${text}`);
        return { name: f.slice(0, i).trim(), type: parseHiveType(f.slice(i + 1)) };
      }),
    };
  }
  if (!/^[a-z]+$/.test(t)) throw new Error(`unsupported Glue type ${text}`);
  return { kind: 'scalar', name: t };
}

export interface TypeSpelling {
  scalars: Readonly<Record<string, string>>;
  array(inner: string): string;
  struct(fields: ReadonlyArray<{ name: string; type: string }>): string;
}

/** A Glue type in an engine's spelling; an unknown scalar is an error naming the engine's known ones. */
export function renderHiveType(text: string, spelling: TypeSpelling): string {
  const render = (t: HiveType): string => {
    if (t.kind === 'array') return spelling.array(render(t.of));
    if (t.kind === 'struct') return spelling.struct(t.fields.map((f) => ({ name: f.name, type: render(f.type) })));
    const s = spelling.scalars[t.name];
    if (!s) throw new Error(`no engine type for Glue type ${t.name} (known: ${Object.keys(spelling.scalars).join(', ')})`);
    return s;
  };
  return render(parseHiveType(text));
}
