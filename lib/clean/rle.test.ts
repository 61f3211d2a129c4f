import { ByteWriter } from 'hyparquet-writer';
import { writeRleBitPackedHybrid as reference } from 'hyparquet-writer/src/encoding.js';
import { writeRleBitPackedHybrid } from './rle';

/** Deterministic values below 2^bitWidth with runs of every length, as dictionary indexes and levels have. */
function values(n: number, bitWidth: number, seed: number): Int32Array {
  let s = seed;
  const rnd = () => (s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const out = new Int32Array(n);
  for (let i = 0; i < n; ) {
    const v = Math.floor(rnd() * 2 ** bitWidth);
    const run = rnd() < 0.3 ? 1 + Math.floor(rnd() * 20) : 1;
    for (let k = 0; k < run && i < n; k++) out[i++] = v;
  }
  return out;
}

const encode = (fn: (w: ByteWriter, v: Int32Array, bitWidth: number) => number, v: Int32Array, bitWidth: number) => {
  const w = new ByteWriter();
  const bytes = fn(w, v, bitWidth);
  return { bytes, out: Buffer.from(w.getBytes()) };
};

test.each([1, 2, 3, 7, 8, 9, 12, 15])('bit width %i: the same bytes as hyparquet-writer', (bitWidth) => {
  for (const n of [0, 1, 7, 8, 9, 63, 1000, 4099]) {
    for (const seed of [1, 2, 3]) {
      const v = values(n, bitWidth, seed);
      const ours = encode(writeRleBitPackedHybrid, v, bitWidth);
      expect(ours.bytes).toBe(ours.out.length);
      expect(ours.out.equals(encode(reference, v, bitWidth).out)).toBe(true);
    }
  }
});

test('a known answer: a run of 8 then a bit-packed group padded with zeros', () => {
  const v = Int32Array.from([5, 5, 5, 5, 5, 5, 5, 5, 1, 2, 3]);
  // RLE: header 8<<1 = 0x10, value 5; bit-packed: header (1<<1)|1 = 0x03, then 1,2,3,0,... at 3 bits = 0xd1 0x00 0x00
  expect([...encode(writeRleBitPackedHybrid, v, 3).out]).toEqual([0x10, 0x05, 0x03, 0xd1, 0x00, 0x00]);
});
