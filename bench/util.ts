import fs from 'node:fs';
import path from 'node:path';
import { createGunzip } from 'node:zlib';

/** Every file under `dir` (recursively) whose name passes `keep`, sorted. */
export function walk(dir: string, keep: (name: string) => boolean = () => true): string[] {
  if (!fs.existsSync(dir)) return [];
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...walk(p, keep));
    else if (e.isFile() && keep(e.name)) out.push(p);
  }
  return out.sort();
}

export const totalSize = (files: readonly string[]) => files.reduce((s, f) => s + fs.statSync(f).size, 0);

/** Uncompressed size of a gzip file, streamed. */
export async function gunzippedSize(file: string): Promise<number> {
  let n = 0;
  const gunzip = fs.createReadStream(file, { highWaterMark: 1 << 20 }).pipe(createGunzip());
  for await (const chunk of gunzip) n += (chunk as Buffer).length;
  return n;
}

export const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] ?? 0) : ((s[m - 1] ?? 0) + (s[m] ?? 0)) / 2;
};

export const seconds = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e9;
