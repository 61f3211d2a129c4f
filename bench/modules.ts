import fs from 'node:fs';
import path from 'node:path';

/**
 * The modules each phase needs. A phase runs only when its module is in the tree; otherwise it is
 * reported as "not measured (module missing)" and its keys stay absent. Never a stand-in number.
 */
export const PHASE_MODULES = {
  simulate: ['lib/simulate/index.ts'],
  ingest: ['local/ingest/server.ts', 'local/cli/commands/ingest.ts'],
  clean: ['lib/clean/index.ts'],
  features: ['local/engine/features.ts'],
  spark: ['local/engines/spark.ts', 'glue-jobs/features.py'],
  query: ['local/engine/query.ts'],
  queries: ['athena-queries'],
  demo: ['local/cli/commands/demo.ts'],
} as const;

export type PhaseModule = keyof typeof PHASE_MODULES;

export function missingModules(repo: string, needs: readonly PhaseModule[]): string[] {
  return needs.flatMap((n) => PHASE_MODULES[n].filter((f) => !fs.existsSync(path.join(repo, f))));
}
