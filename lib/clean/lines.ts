import { createGunzip } from 'node:zlib';
import type { Readable } from 'node:stream';

/** zlib's codes for bytes that are not a (complete) gzip stream; any other error is not the object's content. */
const DECODE_ERRORS = new Set(['Z_DATA_ERROR', 'Z_BUF_ERROR', 'Z_NEED_DICT']);

/**
 * The object's bytes could not be decoded (truncated or damaged gzip, zero bytes, not gzip). Thrown by `batches`
 * after every line decoded completely before the damage; `partial` is what was decoded of the next line.
 */
export class UndecodableObjectError extends Error {
  override name = 'UndecodableObjectError';
  constructor(
    message: string,
    readonly code: string,
    readonly partial: string,
  ) {
    super(message);
  }
}

export interface LineSource {
  /**
   * Batches of complete lines (without the newline or a trailing CR), in order; empty lines are kept so line numbers
   * hold. Ends with UndecodableObjectError when the bytes are not gzip; a read error of the source is thrown as is.
   */
  batches: AsyncIterable<string[]>;
  /** Compressed bytes consumed so far (final once `batches` is done). */
  bytesRead(): number;
}

const LF = 0x0a;
const CR = 0x0d;

/** One line's bytes as text: UTF-8, without a trailing CR. */
function lineText(buf: Buffer, start: number, end: number): string {
  return buf.toString('utf8', start, end > start && buf[end - 1] === CR ? end - 1 : end);
}

/**
 * gunzip, then lines: streams the object so only one decompressed chunk (plus a partial line) is in memory at a
 * time. Lines are found in the bytes (LF never occurs inside a UTF-8 character) and each is decoded on its own,
 * which is about 5× cheaper than decoding a chunk and splitting the string (docs/clean.md). Lines come in
 * batches per chunk because an await per line is slow.
 */
export function gzipLines(source: Readable, chunkSize = 1 << 18): LineSource {
  let bytes = 0;
  source.on('data', (c: Buffer) => (bytes += c.length));
  const gunzip = createGunzip({ chunkSize });
  let readFailed = false;
  source.on('error', (err) => {
    readFailed = true;
    gunzip.destroy(err);
  });
  source.pipe(gunzip);
  /** The error that ends the lines: a read error as it is, undecodable bytes as UndecodableObjectError. */
  const failure = (err: unknown, pending: Buffer[]): unknown => {
    source.destroy();
    const code = (err as { code?: unknown }).code;
    if (readFailed || typeof code !== 'string' || !DECODE_ERRORS.has(code)) return err;
    const partial = Buffer.concat(pending);
    return new UndecodableObjectError((err as Error).message, code, lineText(partial, 0, partial.length));
  };
  async function* batches(): AsyncIterable<string[]> {
    // Bytes of a line that started in an earlier chunk.
    let pending: Buffer[] = [];
    try {
      for await (const chunk of gunzip as AsyncIterable<Buffer>) {
        const lines: string[] = [];
        let pos = 0;
        let lf = chunk.indexOf(LF);
        if (pending.length && lf >= 0) {
          pending.push(chunk.subarray(0, lf));
          const whole = Buffer.concat(pending);
          pending = [];
          lines.push(lineText(whole, 0, whole.length));
          pos = lf + 1;
          lf = chunk.indexOf(LF, pos);
        }
        while (lf >= 0) {
          lines.push(lineText(chunk, pos, lf));
          pos = lf + 1;
          lf = chunk.indexOf(LF, pos);
        }
        if (pos < chunk.length) pending.push(Buffer.from(chunk.subarray(pos)));
        if (lines.length) yield lines;
      }
    } catch (err) {
      throw failure(err, pending);
    }
    // A last line without a newline (pending holds only non-empty pieces).
    if (pending.length) {
      const whole = Buffer.concat(pending);
      yield [lineText(whole, 0, whole.length)];
    }
  }
  return { batches: batches(), bytesRead: () => bytes };
}
