import { dedupeOrder } from './dedupe-order';

/** The comparator sort dedupeOrder replaces: (vehicle_id, ts, received_at, index). */
function reference(vid: (string | null)[], ts: Float64Array, rec: Float64Array): number[] {
  return Array.from({ length: vid.length }, (_, i) => i).sort((a, b) => {
    const va = vid[a]!;
    const vb = vid[b]!;
    if (va !== vb) return va === null ? 1 : vb === null ? -1 : va < vb ? -1 : 1;
    return ts[a]! - ts[b]! || rec[a]! - rec[b]! || a - b;
  });
}

/** Deterministic rows: interleaved vehicles, mostly in time order, with repeats, late arrivals and ties. */
function rows(n: number, seed: number) {
  let s = seed;
  const rnd = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const ids = ['V2', 'V10', 'V1', 'v1', 'Ä', '😀', 'V1 ', null];
  const vid: (string | null)[] = [];
  const ts = new Float64Array(n);
  const rec = new Float64Array(n);
  const clock = new Map<string | null, number>();
  for (let i = 0; i < n; i++) {
    const id = ids[Math.floor(rnd() * ids.length)]!;
    const t = (clock.get(id) ?? 1_000) + (rnd() < 0.1 ? -Math.floor(rnd() * 5) * 100 : rnd() < 0.1 ? 0 : 100);
    clock.set(id, t);
    vid.push(id);
    ts[i] = t;
    rec[i] = t + (rnd() < 0.2 ? -Math.floor(rnd() * 3) : Math.floor(rnd() * 3));
  }
  return { vid, ts, rec };
}

test.each([0, 1, 2, 17, 5_000])('matches the comparator sort on %i rows (ties, repeats, late samples, non-ASCII ids)', (n) => {
  for (const seed of [1, 7, 42]) {
    const { vid, ts, rec } = rows(n, seed);
    expect(Array.from(dedupeOrder(vid, ts, rec, n))).toEqual(reference(vid, ts, rec));
  }
});

test('a bucket already in time order is kept as is; equal (ts, received_at) keep row order', () => {
  const vid = ['B', 'A', 'B', 'A', 'A'];
  const ts = Float64Array.from([5, 1, 6, 1, 2]);
  const rec = Float64Array.from([9, 3, 9, 3, 3]);
  expect(Array.from(dedupeOrder(vid, ts, rec, 5))).toEqual([1, 3, 4, 0, 2]);
});

test('only the first n rows are ordered (columns have spare capacity)', () => {
  const vid = ['B', 'A', null, null];
  const ts = Float64Array.from([1, 1, 0, 0]);
  const rec = Float64Array.from([1, 1, 0, 0]);
  expect(Array.from(dedupeOrder(vid, ts, rec, 2))).toEqual([1, 0]);
});
