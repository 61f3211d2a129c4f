import path from 'node:path';
import { Option } from 'commander';

export const DEFAULT_LAKE = './.fleetlake';

/** The local lake: `--lake DIR`, else `$FLEETLAKE_LAKE`, else `./.fleetlake`. One folder per bucket role inside. */
export function resolveLake(flag?: string, env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(flag ?? env.FLEETLAKE_LAKE ?? DEFAULT_LAKE);
}

export function lakeOption(): Option {
  return new Option('--lake <dir>', 'local lake directory (env FLEETLAKE_LAKE)').default(undefined, './.fleetlake');
}
