import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { gzipLines } from './lines';

async function linesOf(bytes: Buffer, chunkSize: number): Promise<string[]> {
  const out: string[] = [];
  for await (const batch of gzipLines(Readable.from([gzipSync(bytes)]), chunkSize).batches) out.push(...batch);
  return out;
}

test('lines come out whole at any chunk size: ASCII and multi-byte chunks, characters split across chunks, lines longer than many chunks, CRLF, no final newline', async () => {
  // Padding shifts each multi-byte character across the 64..100-byte chunk boundaries.
  const lines = Array.from({ length: 60 }, (_, i) => (i % 5 === 0 ? '' : `{"vehicle_id":"V${'x'.repeat(i)}é€𝄞","n":${i}}${i % 7 === 0 ? '\r' : ''}`));
  lines.push(`{"long":"${'y'.repeat(1000)}é"}\r`, 'plain ascii', 'last without newline');
  const bytes = Buffer.from(lines.join('\n'), 'utf8');
  const want = lines.map((l) => l.replace(/\r$/, ''));
  for (const size of [64, 65, 67, 100, 4096]) expect(await linesOf(bytes, size)).toEqual(want);
});

test('invalid UTF-8 gives what decoding the whole stream gives (U+FFFD)', async () => {
  const bytes = Buffer.concat([Buffer.from(`${'a'.repeat(62)}\n`), Buffer.from([0x7b, 0xe2, 0x82, 0x0a, 0xc3]), Buffer.from(`${'b'.repeat(70)}\n{"z":"é"}\n`)]);
  const want = bytes.toString('utf8').split('\n').slice(0, -1);
  for (const size of [64, 65, 66, 4096]) expect(await linesOf(bytes, size)).toEqual(want);
});
