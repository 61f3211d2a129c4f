import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { EngineMissingError } from './paths';

export interface JavaHome {
  home: string;
  /** Feature release: 17, 25, ... */
  major: number;
  version: string;
}

/** The version a JDK states in its `release` file (`JAVA_VERSION="25.0.3"`), or null. */
export function javaVersionOf(home: string): { major: number; version: string } | null {
  const release = path.join(home, 'release');
  if (!existsSync(release) || !existsSync(path.join(home, 'bin', 'java'))) return null;
  const m = /^JAVA_VERSION="([^"]+)"/m.exec(readFileSync(release, 'utf8'));
  if (!m?.[1]) return null;
  const parts = m[1].split(/[._+-]/).map(Number);
  const major = parts[0] === 1 ? (parts[1] ?? NaN) : (parts[0] ?? NaN); // 1.8.0 → 8
  return Number.isInteger(major) ? { major, version: m[1] } : null;
}

const JVM_DIR = '/usr/lib/jvm';

/**
 * The JDK an engine runs on: the first of `override` (an env var naming a JDK home), JAVA_HOME, then the JDKs under
 * /usr/lib/jvm (newest first), whose major version lies in [min, max]. Fails with one line naming what was found.
 */
export function findJava(engine: string, [min, max]: readonly [number, number], overrideVar: string, env: NodeJS.ProcessEnv = process.env): JavaHome {
  const want = min === max ? `Java ${min}` : `Java ${min}-${max}`;
  const forced = env[overrideVar];
  if (forced) {
    const v = javaVersionOf(forced);
    if (!v) throw new EngineMissingError(`${overrideVar}=${forced} is not a JDK (no bin/java and release file); ${engine} needs ${want}`);
    if (v.major < min || v.major > max) throw new EngineMissingError(`${overrideVar}=${forced} is Java ${v.major}; ${engine} needs ${want}`);
    return { home: forced, ...v };
  }
  const candidates = [env.JAVA_HOME, ...(existsSync(JVM_DIR) ? readdirSync(JVM_DIR).sort().reverse().map((d) => path.join(JVM_DIR, d)) : [])].filter(
    (h): h is string => Boolean(h),
  );
  const seen: string[] = [];
  for (const home of candidates) {
    const v = javaVersionOf(home);
    if (!v) continue;
    seen.push(`${v.major} (${home})`);
    if (v.major >= min && v.major <= max) return { home, ...v };
  }
  const found = seen.length ? `found Java ${[...new Set(seen)].join(', ')}` : `no JDK found in JAVA_HOME or ${JVM_DIR}`;
  throw new EngineMissingError(`${engine} needs ${want}: ${found}; install one or set ${overrideVar} to its home`);
}
