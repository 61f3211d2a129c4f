// Worker thread of bench/clean-vs-peer.ts: cleans its share of keys with the pure domain entry.
import { parentPort, workerData } from 'node:worker_threads';
import { FsObjectStore } from '../lib/store';
import { cleanObjects } from '../lib/clean';
import { contractValidator } from '../lib/contract/validator';

const { lake, keys, zstdLevel, rowGroupSize } = workerData as { lake: string; keys: string[]; zstdLevel?: number; rowGroupSize?: number };
// Warm up (module load, ajv compile) before the clock starts, as in a warm Lambda.
contractValidator();
parentPort!.postMessage('ready');
await new Promise((r) => parentPort!.once('message', r));
const res = await cleanObjects(keys, {
  bronze: new FsObjectStore(`${lake}/bronze`),
  silver: new FsObjectStore(`${lake}/silver`),
  settings: { maxLatenessDays: 30, ...(rowGroupSize ? { rowGroupSize } : {}) },
  ...(zstdLevel ? { zstdLevel } : {}),
});
parentPort!.postMessage({ totals: res.totals, peakRss: process.resourceUsage().maxRSS * 1024 });
