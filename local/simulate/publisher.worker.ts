import { parentPort, workerData } from 'node:worker_threads';
import { publishFleet, type PublishOptions } from './publisher';

/** publishFleet on its own thread, so the simulator and the broker each get a core. Posts progress, then the counters. */
const port = parentPort!;
const options = workerData as Omit<PublishOptions, 'onProgress'>;
publishFleet({ ...options, onProgress: (virtualMs, counters) => port.postMessage({ type: 'progress', virtualMs, counters }) }).then(
  (counters) => port.postMessage({ type: 'done', counters }),
  (err: Error) => port.postMessage({ type: 'error', message: err.message }),
);
