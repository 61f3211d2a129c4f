import { statSync } from 'node:fs';
import path from 'node:path';
import { Option } from 'commander';
import { UsageError } from './errors';

export const DEFAULT_LAKE = './.fleetlake';

/** The local lake: `--lake DIR`, else `$FLEETLAKE_LAKE`, else `./.fleetlake`. One folder per bucket role inside. */
export function resolveLake(flag?: string, env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(flag ?? env.FLEETLAKE_LAKE ?? DEFAULT_LAKE);
}

const notADirectory = (lake: string) => new UsageError(`the lake ${lake} is not a directory (--lake takes the lake's folder)`);

/**
 * The lake of a command that reads it (every command but `ingest` and `demo`, which create it): resolved as
 * resolveLake does, and it must be a directory. Otherwise one line and exit 2 (docs/cli.md#the-lake).
 */
export function existingLake(flag?: string, env: NodeJS.ProcessEnv = process.env): string {
  const lake = resolveLake(flag, env);
  const stat = statSync(lake, { throwIfNoEntry: false });
  if (!stat) throw new UsageError(`no lake at ${lake} (give --lake DIR or FLEETLAKE_LAKE; \`fleetlake ingest\` or \`fleetlake demo\` create one)`);
  if (!stat.isDirectory()) throw notADirectory(lake);
  return lake;
}

/** The lake of `ingest` and `demo`, which create it: it may be missing, but a path that is there must be a directory. */
export function lakeToCreate(flag?: string, env: NodeJS.ProcessEnv = process.env): string {
  const lake = resolveLake(flag, env);
  if (statSync(lake, { throwIfNoEntry: false })?.isDirectory() === false) throw notADirectory(lake);
  return lake;
}

export function lakeOption(): Option {
  return new Option('--lake <dir>', 'local lake directory (env FLEETLAKE_LAKE)').default(undefined, DEFAULT_LAKE);
}
