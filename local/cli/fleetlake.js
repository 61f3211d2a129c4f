#!/usr/bin/env node
// The `fleetlake` binary: runs the TypeScript CLI through tsx (no build step).
import { register } from 'tsx/esm/api';

register();
const { runCli } = await import('./program.ts');
await runCli(process.argv);
