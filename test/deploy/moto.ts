import { spawn } from 'node:child_process';
import { requireVenvBin } from '../../local/engines/paths';
import { freePort } from '../../local/engines/trino-server';

/** A moto server (the pinned `moto[server]` of the project venv) on 127.0.0.1, started by a test. */
export interface Moto {
  endpoint: string;
  /** Everything the server printed so far (requests, warnings, tracebacks). */
  log(): string;
  stop(): Promise<void>;
}

/** Starts `moto_server` on a free port and waits until it answers; fails with one line if it does not. */
export async function startMoto(timeoutMs = 30_000): Promise<Moto> {
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const child = spawn(requireVenvBin('moto_server'), ['-H', '127.0.0.1', '-p', String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  };
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if ((await fetch(`${endpoint}/moto-api/`, { signal: AbortSignal.timeout(1_000) })).ok) break;
    } catch {
      // not listening yet
    }
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`moto_server did not start on ${endpoint} within ${timeoutMs} ms: ${out.slice(-500)}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return { endpoint, log: () => out, stop };
}
