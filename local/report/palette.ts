import type { ScaleOptions } from '@observablehq/plot';

/**
 * One colour per vehicle, the same in every chart. Up to 20 vehicles: the Tableau 20 palette (as in Vega's
 * `tableau20` scheme), so no two vehicles share a colour; beyond that the hues of the turbo scheme are
 * sampled once per vehicle (distinct, but close neighbours become hard to tell apart: the hover names them).
 */
// The ten dark colours first, then the ten light ones rotated by five, so vehicle i and i + 10 differ in hue too.
export const TABLEAU20 = [
  '#4e79a7', '#f28e2b', '#59a14f', '#b6992d', '#499894', '#e15759', '#79706e', '#d37295', '#b07aa1', '#9d7660',
  '#ff9d9a', '#bab0ac', '#fabfd2', '#d4a6c8', '#d7b5a6', '#a0cbe8', '#ffbe7d', '#8cd17d', '#f1ce63', '#86bcb6',
];

/** Plot's color scale options for these vehicle ids (sorted, so a vehicle keeps its colour across reports of the same fleet). */
export function vehicleColorScale(ids: Iterable<string>): ScaleOptions {
  const domain = [...new Set(ids)].sort();
  return domain.length <= TABLEAU20.length ? { type: 'ordinal', domain, range: TABLEAU20.slice(0, domain.length) } : { type: 'ordinal', domain, scheme: 'turbo' };
}
