import { execFileSync } from 'node:child_process';
import type { BenchContext, PhaseResult } from '../types';
import { cleanPhase } from './clean';
import { peerPhase } from './peer';

/** Back-to-back clean/peer pairs in a full run; the quick run (CI) does one. */
export const P2_ROUNDS = { quick: 1, full: 3 } as const;

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** Writes of the phase before (bronze, silver, the peer's Parquet) go to disk now, not during the next timed pass. */
function settle(): void {
  try {
    execFileSync('sync');
  } catch {
    // no sync(1): nothing to settle with
  }
}

/**
 * P2: clean and the peer in `rounds` back-to-back pairs, alternating which goes first (the first pass after
 * other work ran slower in either seat). Each rate is the median over rounds, and clean/peer is the median of
 * the rounds' own ratios: these machines' speed drifts by ±20 % within minutes, and a pair measured back to
 * back shares most of that drift. Every round does all the work; the notes list each round.
 */
export async function cleanVsPeerPhases(ctx: BenchContext, rounds: number): Promise<PhaseResult[]> {
  const pairs: { clean: PhaseResult; peer: PhaseResult }[] = [];
  for (let r = 0; r < rounds; r++) {
    ctx.log(`P2 round ${r + 1}/${rounds}: ${r % 2 ? 'peer, then clean' : 'clean, then peer'}`);
    const pass = async (f: (c: BenchContext) => Promise<PhaseResult>) => {
      settle();
      return f(ctx);
    };
    let clean: PhaseResult;
    let peer: PhaseResult;
    if (r % 2) {
      peer = await pass(peerPhase);
      clean = await pass(cleanPhase);
    } else {
      clean = await pass(cleanPhase);
      peer = await pass(peerPhase);
    }
    if (!clean.measured || !peer.measured) return [clean, peer];
    pairs.push({ clean, peer });
  }
  return combineRounds(pairs);
}

/** The rounds' medians: each rate's median, and the median of the rounds' own clean/peer ratios. */
export function combineRounds(pairs: readonly { clean: PhaseResult; peer: PhaseResult }[]): PhaseResult[] {
  const rate = (p: PhaseResult, k: string) => p.values[k] as number;
  const ratios = pairs.map((p) => rate(p.clean, 'clean_rows_per_s') / rate(p.peer, 'peer_rows_per_s'));
  const medianOf = (side: 'clean' | 'peer') => {
    const byRate = [...pairs].sort((a, b) => rate(a[side], `${side}_rows_per_s`) - rate(b[side], `${side}_rows_per_s`));
    const mid = byRate[(byRate.length - 1) >> 1]![side];
    return {
      ...mid,
      seconds: pairs.reduce((s, p) => s + p[side].seconds, 0),
      values: { ...mid.values, [`${side}_rows_per_s`]: median(pairs.map((p) => rate(p[side], `${side}_rows_per_s`))) },
      notes: [...mid.notes, ...(pairs.length > 1 ? [`${pairs.length} rounds: ${pairs.map((p) => Math.round(rate(p[side], `${side}_rows_per_s`)).toLocaleString('en-US')).join(', ')} rows/s; median reported`] : [])],
    };
  };
  const clean = medianOf('clean');
  const peer = medianOf('peer');
  clean.values.clean_peer_ratio = median(ratios);
  clean.values.clean_peer_ratios = ratios;
  if (pairs.length > 1) clean.notes.push(`clean/peer per round: ${ratios.map((x) => x.toFixed(3)).join(', ')}; median ${median(ratios).toFixed(3)}`);
  return [clean, peer];
}
