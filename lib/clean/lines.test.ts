import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { gzipLines, UndecodableObjectError } from './lines';

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

async function drain(source: Readable): Promise<{ lines: string[]; error: unknown }> {
  const lines: string[] = [];
  try {
    for await (const batch of gzipLines(source, 64).batches) lines.push(...batch);
    return { lines, error: null };
  } catch (error) {
    return { lines, error };
  }
}

test('undecodable bytes end the lines with UndecodableObjectError after the lines decoded before the damage', async () => {
  const text = Array.from({ length: 400 }, (_, i) => `{"n":${i},"pad":"${'p'.repeat(i % 13)}"}`).join('\n');
  const full = gzipSync(`${text}\n`);
  const cut = await drain(Readable.from([full.subarray(0, Math.floor(full.length * 0.6))]));
  expect(cut.error).toBeInstanceOf(UndecodableObjectError);
  expect(cut.error).toMatchObject({ code: 'Z_BUF_ERROR', message: 'unexpected end of file' });
  expect(cut.lines.length).toBeGreaterThan(0);
  expect(cut.lines).toEqual(text.split('\n').slice(0, cut.lines.length)); // whole lines, in order, nothing invented
  expect(text.split('\n')[cut.lines.length]!.startsWith((cut.error as UndecodableObjectError).partial)).toBe(true);
  expect(await drain(Readable.from([Buffer.alloc(0)]))).toMatchObject({ lines: [], error: { code: 'Z_BUF_ERROR', partial: '' } });
  expect(await drain(Readable.from([Buffer.from('{"plain":"text"}\n')]))).toMatchObject({ lines: [], error: { code: 'Z_DATA_ERROR', message: 'incorrect header check' } });
});

test('a read error of the source is thrown as it is, never taken for undecodable bytes', async () => {
  const full = gzipSync('{"n":1}\n'.repeat(2000));
  const failing = new Readable({
    read() {
      this.push(full.subarray(0, 100));
      this.destroy(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }));
    },
  });
  const { error } = await drain(failing);
  expect(error).not.toBeInstanceOf(UndecodableObjectError);
  expect(error).toMatchObject({ code: 'ECONNRESET', message: 'read ECONNRESET' });
});
