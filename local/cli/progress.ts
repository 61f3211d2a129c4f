import cliProgress from 'cli-progress';

export interface Progress {
  update(done: number, payload?: Record<string, string | number>): void;
  setTotal(total: number): void;
  stop(): void;
}

/**
 * A progress bar on a TTY (stderr); elsewhere one plain line at most every `intervalMs`,
 * so CI logs and pipes stay readable.
 */
export function progress(label: string, total: number, options: { unit?: string; intervalMs?: number; stream?: NodeJS.WriteStream } = {}): Progress {
  const stream = options.stream ?? process.stderr;
  const unit = options.unit ?? '';
  if (stream.isTTY) {
    const bar = new cliProgress.SingleBar(
      { format: `${label.padEnd(10)} [{bar}] {percentage}% | {value}/{total} ${unit} | {eta_formatted}`, stream, hideCursor: true, clearOnComplete: false },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total, 0);
    return { update: (d, p) => bar.update(d, p), setTotal: (t) => bar.setTotal(t), stop: () => bar.stop() };
  }
  const interval = options.intervalMs ?? 5000;
  let last = 0;
  let t = total;
  let done = 0;
  const line = () => stream.write(`${label}: ${done}/${t} ${unit}\n`);
  return {
    update(d) {
      done = d;
      const now = Date.now();
      if (now - last >= interval) {
        last = now;
        line();
      }
    },
    setTotal(n) {
      t = n;
    },
    stop() {
      line();
    },
  };
}
