import { existsSync } from 'node:fs';
import path from 'node:path';

/**
 * Where the project-local engines live: `.fleetlake-engines/` at the repository root (git-ignored), or
 * `$FLEETLAKE_ENGINES_DIR`. `npx fleetlake engines install` fills it; everything else only reads these paths.
 */
export const REPO_ROOT = path.resolve(import.meta.dirname, '../..');
export const ENGINES_DIR = path.resolve(process.env.FLEETLAKE_ENGINES_DIR ?? path.join(REPO_ROOT, '.fleetlake-engines'));
/** The one Python virtual environment: pyspark, moto, cfn-lint (local/engines/requirements.txt). */
export const PYTHON_VENV = path.join(ENGINES_DIR, 'python');
export const REQUIREMENTS_FILE = path.join(import.meta.dirname, 'requirements.txt');
export const ENGINES_FILE = path.join(import.meta.dirname, 'engines.json');

/** A program of the project venv (`python`, `moto_server`, `cfn-lint`, ...), whether or not it is installed. */
export const venvBin = (name: string): string => path.join(PYTHON_VENV, 'bin', name);

/** Thrown when an engine is needed but not installed; the message says how to install it. */
export class EngineMissingError extends Error {
  override name = 'EngineMissingError';
}

/** A venv program that must exist: otherwise one line saying how to install it. */
export function requireVenvBin(name: string): string {
  const bin = venvBin(name);
  if (!existsSync(bin)) throw new EngineMissingError(`${name} is not installed in ${PYTHON_VENV}: run \`npx fleetlake engines install\``);
  return bin;
}
