import { expect, test } from '@jest/globals';
import type { PhaseResult } from '../types';
import { combineRounds } from './clean-vs-peer';

const pass = (name: string, key: string, rate: number, seconds: number): PhaseResult => ({ name, measured: true, seconds, values: { [key]: rate }, notes: [`${name} ${rate}`] });
const pair = (clean: number, peer: number) => ({ clean: pass('P2 clean', 'clean_rows_per_s', clean, 1), peer: pass('P2 peer', 'peer_rows_per_s', peer, 2) });

test('three rounds: each rate is its median, the ratio is the median of the rounds’ own ratios', () => {
  // ratios 0.25, 0.667, 0.75: the median ratio (0.667) is not median clean / median peer (150 / 300 = 0.5)
  const [clean, peer] = combineRounds([pair(100, 400), pair(200, 300), pair(150, 200)]);
  expect(clean!.values.clean_rows_per_s).toBe(150);
  expect(peer!.values.peer_rows_per_s).toBe(300);
  expect(clean!.values.clean_peer_ratio).toBeCloseTo(200 / 300, 12);
  expect(clean!.values.clean_peer_ratios).toEqual([0.25, 200 / 300, 0.75]);
  expect([clean!.seconds, peer!.seconds]).toEqual([3, 6]);
  // the notes are the median pass's, plus every round
  expect(clean!.notes).toEqual(['P2 clean 150', '3 rounds: 100, 200, 150 rows/s; median reported', 'clean/peer per round: 0.250, 0.667, 0.750; median 0.667']);
  expect(peer!.notes[0]).toBe('P2 peer 300');
});

test('one round (the quick run): the pair as measured', () => {
  const [clean, peer] = combineRounds([pair(120, 300)]);
  expect([clean!.values.clean_rows_per_s, peer!.values.peer_rows_per_s, clean!.values.clean_peer_ratio]).toEqual([120, 300, 0.4]);
  expect(clean!.notes).toEqual(['P2 clean 120']);
});
