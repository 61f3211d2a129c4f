import { Duplex } from 'node:stream';
import type { Landing } from './landing';

/**
 * The stream aedes gets for a connection: the client's bytes pass through as they are, and the broker's bytes
 * (PUBACK, PUBREC, CONNACK, …) are held until every record added before they were written is durable in the
 * WAL, then sent in the order aedes wrote them. So aedes may acknowledge right after `authorizePublish` and
 * go on parsing the client's next messages while the WAL commit runs (one durable write covers them all), and
 * still no acknowledgement leaves before its message is on disk.
 */
export function gateOutput(inner: Duplex, landing: Landing, head?: Buffer): Duplex {
  /** Written chunks not sent yet, each with the records that must be durable first. */
  const held: Array<{ seq: number; chunks: Buffer[] }> = [];
  let unlisten: (() => void) | undefined;
  let ending = false;
  // Acknowledgements are a few bytes each: one write (one syscall) for all that a commit releases.
  const send = (chunks: Buffer[]): boolean => inner.write(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks));
  const release = (committed: number) => {
    let n = 0;
    while (n < held.length && held[n]!.seq <= committed) n++;
    if (n === 0) return;
    send(held.splice(0, n).flatMap((h) => h.chunks));
    if (held.length === 0) {
      unlisten?.();
      unlisten = undefined;
      if (ending) inner.end();
    }
  };
  /** aedes writes each packet in a few pieces, corked: they arrive here together. */
  const write = (chunks: Buffer[], cb: (err?: Error | null) => void) => {
    const seq = landing.added;
    if (held.length === 0 && seq <= landing.committed) {
      if (send(chunks)) cb();
      else inner.once('drain', () => cb());
      return;
    }
    held.push({ seq, chunks });
    unlisten ??= landing.onDurable(release);
    cb();
  };
  const side = new Duplex({
    read() {
      if (inner.isPaused()) inner.resume();
    },
    write: (chunk: Buffer, _enc, cb) => write([chunk], cb),
    writev: (chunks, cb) => write(chunks.map((c) => c.chunk as Buffer), cb),
    final(cb) {
      if (held.length === 0) inner.end();
      else ending = true;
      cb();
    },
    destroy(err, cb) {
      unlisten?.();
      held.length = 0;
      inner.destroy();
      cb(err);
    },
  });
  if (head?.length) side.push(head);
  inner.on('data', (d: Buffer) => {
    if (!side.push(d)) inner.pause();
  });
  inner.on('end', () => side.push(null));
  inner.on('close', () => side.destroy());
  inner.on('error', () => side.destroy());
  return side;
}
