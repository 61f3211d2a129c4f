import type { Command } from 'commander';
import { register as demo } from './demo';
import { register as ingest } from './ingest';
import { register as simulate } from './simulate';
import { register as cost } from './cost';
import { register as bench } from './bench';
import { register as status } from './status';
import { register as query } from './query';
import { register as features } from './features';
import { register as run } from './run';
import { register as executions } from './executions';
import { register as rerun } from './rerun';
import { register as report } from './report';
import { register as engines } from './engines';

/** Each command module exports `register(program)`. Keep this list in the order `--help` shows. */
export const commands: Array<(program: Command) => void> = [demo, ingest, simulate, cost, bench, query, status, features, run, executions, rerun, report, engines];
