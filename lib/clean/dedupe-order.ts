/**
 * The order clean writes and dedupes in: rows by (vehicle_id, ts, received_at, row index), ascending.
 * Rows are bucketed per vehicle (one Map lookup each), buckets are taken in vehicle_id order, and each bucket is
 * sorted by time only when it is not already in order. A bronze object interleaves vehicles but keeps each
 * vehicle's samples nearly in time order, so this is close to linear where a comparator sort over all rows is not.
 */
export function dedupeOrder(vehicleIds: ArrayLike<string | null>, ts: Float64Array, receivedAt: Float64Array, n: number): Uint32Array {
  const bucketOf = new Map<string | null, number[]>();
  for (let i = 0; i < n; i++) {
    const v = vehicleIds[i]!;
    let b = bucketOf.get(v);
    if (!b) bucketOf.set(v, (b = []));
    b.push(i);
  }
  const ids = [...bucketOf.keys()].sort(compareIds);
  const out = new Uint32Array(n);
  let o = 0;
  const byTime = (a: number, b: number) => ts[a]! - ts[b]! || receivedAt[a]! - receivedAt[b]! || a - b;
  for (const id of ids) {
    const b = bucketOf.get(id)!;
    if (!inOrder(b, ts, receivedAt)) b.sort(byTime);
    out.set(b, o);
    o += b.length;
  }
  return out;
}

/** Ascending by ts, then received_at; a bucket is built in row order, so equal keys are already by index. */
function inOrder(b: number[], ts: Float64Array, receivedAt: Float64Array): boolean {
  for (let k = 1; k < b.length; k++) {
    const d = ts[b[k]!]! - ts[b[k - 1]!]!;
    if (d < 0 || (d === 0 && receivedAt[b[k]!]! < receivedAt[b[k - 1]!]!)) return false;
  }
  return true;
}

/** Code-unit order, as the comparator it replaces; null (never valid) last. */
function compareIds(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  return a < b ? -1 : 1;
}
