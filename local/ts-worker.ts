import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * A worker thread running a TypeScript module. On Node 20, `execArgv: ['--import', 'tsx']` does not apply to a
 * worker's own .ts entry (the loader hooks register too late: "Unknown file extension .ts"), so a tiny
 * bootstrap registers tsx and then imports the module.
 */
export function startTsWorker(module: URL, options: Omit<WorkerOptions, 'eval'> = {}): Worker {
  const bootstrap = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(module.href)}); })`;
  return new Worker(bootstrap, { execArgv: [], ...options, eval: true });
}
