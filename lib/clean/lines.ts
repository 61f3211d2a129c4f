import { createGunzip } from 'node:zlib';
import { isAscii } from 'node:buffer';
import { StringDecoder } from 'node:string_decoder';
import type { Readable } from 'node:stream';

export interface LineSource {
  /** Batches of complete lines (without the newline or a trailing CR), in order; empty lines are kept so line numbers hold. */
  batches: AsyncIterable<string[]>;
  /** Compressed bytes consumed so far (final once `batches` is done). */
  bytesRead(): number;
}

/**
 * gunzip, then lines: streams the object so only one decompressed chunk (plus a partial line)
 * is in memory at a time. Lines come in batches per chunk because an await per line is slow.
 */
export function gzipLines(source: Readable, chunkSize = 1 << 18): LineSource {
  let bytes = 0;
  source.on('data', (c: Buffer) => (bytes += c.length));
  const gunzip = createGunzip({ chunkSize });
  source.on('error', (err) => gunzip.destroy(err));
  source.pipe(gunzip);
  async function* batches(): AsyncIterable<string[]> {
    const decoder = new StringDecoder('utf8');
    let carry = '';
    // ASCII chunks (nearly all) decode as latin1, a plain copy; the decoder takes the rest and any character split
    // across chunks (it holds no bytes after a chunk that ends in ASCII).
    let decoderEmpty = true;
    for await (const chunk of gunzip as AsyncIterable<Buffer>) {
      let decoded: string;
      if (decoderEmpty && isAscii(chunk)) {
        decoded = chunk.toString('latin1');
      } else {
        decoded = decoder.write(chunk);
        if (chunk.length) decoderEmpty = chunk[chunk.length - 1]! < 0x80;
      }
      const text = carry + decoded;
      const lines = text.split('\n');
      carry = lines.pop()!;
      yield clean(lines);
    }
    const last = carry + decoder.end();
    if (last) yield clean([last]);
  }
  return { batches: batches(), bytesRead: () => bytes };
}

function clean(lines: string[]): string[] {
  for (let i = 0; i < lines.length; i++) if (lines[i]!.endsWith('\r')) lines[i] = lines[i]!.slice(0, -1);
  return lines;
}
