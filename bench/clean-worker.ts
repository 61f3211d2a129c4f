/**
 * A clean worker process (one per core, as the Map's concurrency would run Lambdas): the real clean
 * domain (lib/clean, the code the handler wraps) on the filesystem store. Keys arrive over IPC; the
 * parent times the whole pool. On `exit` it reports its peak RSS.
 */
import path from 'node:path';
import { cleanObjects } from '../lib/clean/index';
import { FsObjectStore } from '../lib/store/index';

type Msg = { type: 'clean'; key: string } | { type: 'exit' };

const lake = process.env.FLEETLAKE_LAKE;
if (!lake || !process.send) throw new Error('clean-worker: run me with fork() and FLEETLAKE_LAKE set');
const deps = {
  bronze: new FsObjectStore(path.join(lake, 'bronze')),
  silver: new FsObjectStore(path.join(lake, 'silver')),
  settings: { maxLatenessDays: 30 },
};
const send = (m: unknown) => process.send?.(m);

process.on('message', (m: Msg) => {
  if (m.type === 'exit') {
    send({ type: 'bye', maxRssKb: process.resourceUsage().maxRSS });
    process.disconnect?.();
    return;
  }
  cleanObjects([m.key], deps).then(
    (r) => send({ type: 'done', key: m.key, totals: r.totals, dates: r.dates }),
    (err: Error) => send({ type: 'error', key: m.key, message: err.stack ?? err.message }),
  );
});
// Warm the modules (validator compile, zstd init) before the clock starts: a warm Lambda.
await cleanObjects([], deps);
send({ type: 'ready' });
