/**
 * Settings from the environment: read once at cold start, fail fast with a clear message.
 * Usage: `const settings = readSettings({ maxLatenessDays: intVar('MAX_LATENESS_DAYS', 30) })`.
 */
export class SettingsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SettingsError';
  }
}

type Reader<T> = (env: NodeJS.ProcessEnv) => T;

export function stringVar(name: string, fallback?: string): Reader<string> {
  return (env) => {
    const v = env[name];
    if (v !== undefined && v !== '') return v;
    if (fallback !== undefined) return fallback;
    throw new SettingsError(`missing required environment variable ${name}`);
  };
}

export function intVar(name: string, fallback?: number, min = 0): Reader<number> {
  return (env) => {
    const v = env[name];
    if (v === undefined || v === '') {
      if (fallback !== undefined) return fallback;
      throw new SettingsError(`missing required environment variable ${name}`);
    }
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new SettingsError(`environment variable ${name} must be an integer >= ${min}, got ${JSON.stringify(v)}`);
    return n;
  };
}

export function readSettings<T extends Record<string, Reader<unknown>>>(
  spec: T,
  env: NodeJS.ProcessEnv = process.env,
): { readonly [K in keyof T]: ReturnType<T[K]> } {
  const out: Record<string, unknown> = {};
  const errors: string[] = [];
  for (const [key, read] of Object.entries(spec)) {
    try {
      out[key] = read(env);
    } catch (err) {
      errors.push((err as Error).message);
    }
  }
  if (errors.length) throw new SettingsError(errors.join('; '));
  return Object.freeze(out) as { readonly [K in keyof T]: ReturnType<T[K]> };
}
