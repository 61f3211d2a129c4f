import type { Command } from 'commander';

/** Each command module exports `register(program)`. Keep this list in the order `--help` shows. */
export const commands: Array<(program: Command) => void> = [];
