import type { ByteWriter } from 'hyparquet-writer';

/**
 * Parquet's RLE / bit-packed hybrid, byte for byte what hyparquet-writer's `writeRleBitPackedHybrid` writes (the
 * same run and group choices), but each bit-packed stretch is packed straight into the writer's buffer instead of
 * byte by byte through `appendUint8`. Dictionary indexes of every column pass through here. Returns bytes written.
 */
export function writeRleBitPackedHybrid(w: ByteWriter, values: ArrayLike<number>, bitWidth: number): number {
  const start = w.offset;
  const n = values.length;
  let groups = 0;
  let groupStart = 0;
  let i = 0;
  while (i < n) {
    const v = values[i]!;
    let run = 1;
    while (i + run < n && values[i + run] === v) run++;
    if (run >= 8) {
      if (groups) packGroups(w, values, groupStart, groups, bitWidth);
      groups = 0;
      writeRleRun(w, v, run, bitWidth);
      i += run;
    } else {
      if (groups === 0) groupStart = i;
      groups++;
      i += 8;
    }
  }
  if (groups) packGroups(w, values, groupStart, groups, bitWidth);
  return w.offset - start;
}

/** One RLE run: `count` times `value`, the value in ceil(bitWidth / 8) little-endian bytes. Returns bytes written. */
export function writeRleRun(w: ByteWriter, value: number, count: number, bitWidth: number): number {
  const start = w.offset;
  w.appendVarInt(count << 1);
  for (let b = 0; b < (bitWidth + 7) >> 3; b++) w.appendUint8((value >> (b << 3)) & 0xff);
  return w.offset - start;
}

/** `groups` groups of 8 values from `from` (zero past the end), `bitWidth` bits each, least significant bit first. */
function packGroups(w: ByteWriter, values: ArrayLike<number>, from: number, groups: number, bitWidth: number): void {
  w.appendVarInt((groups << 1) | 1);
  if (bitWidth === 0) return;
  const size = groups * bitWidth;
  w.ensure(size);
  const view = w.view;
  let o = w.index;
  const mask = bitWidth >= 32 ? -1 : (1 << bitWidth) - 1;
  const end = Math.min(values.length, from + groups * 8);
  let acc = 0;
  let bits = 0;
  for (let k = from; k < end; k++) {
    acc |= (values[k]! & mask) << bits;
    bits += bitWidth;
    while (bits >= 8) {
      view.setUint8(o++, acc & 0xff);
      acc >>>= 8;
      bits -= 8;
    }
  }
  if (bits > 0) view.setUint8(o++, acc & 0xff);
  for (const last = w.index + size; o < last; o++) view.setUint8(o, 0); // past the values: zeros
  w.index += size;
  w.offset += size;
}
