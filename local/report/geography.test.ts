import { geoDistance } from 'd3-geo';
import { atlasScale, fitAspect, fleetExtent, geography, mercatorAspect, scaleBarKm, thin, type Extent } from './geography';

const BENELUX: Extent = [[3.3, 50.5], [6.2, 52.8]];

test('fleetExtent pads the points’ bounds and keeps a minimum span', () => {
  expect(fleetExtent([])).toBeNull();
  const [[w, s], [e, n]] = fleetExtent([[4, 51], [5, 52]])!;
  expect([w, s, e, n].map((x) => +x.toFixed(2))).toEqual([3.92, 50.92, 5.08, 52.08]);
  const one = fleetExtent([[4, 51]])!;
  expect(+(one[1][0] - one[0][0]).toFixed(3)).toBe(0.232); // 0.2 degrees + 8 % on each side
});

test('fitAspect widens the extent about its centre to the frame’s aspect (Mercator)', () => {
  for (const aspect of [0.5, 1.6, 3]) {
    const fitted = fitAspect(BENELUX, aspect);
    expect(mercatorAspect(fitted)).toBeCloseTo(aspect, 6);
    // it only grows: the original extent stays inside
    expect(fitted[0][0]).toBeLessThanOrEqual(BENELUX[0][0]);
    expect(fitted[1][1]).toBeGreaterThanOrEqual(BENELUX[1][1]);
  }
});

test('the atlas scale follows the extent: 1:10m regional, 1:50m continental, 1:110m beyond', () => {
  expect([atlasScale(BENELUX), atlasScale([[-10, 35], [30, 60]]), atlasScale([[-120, -40], [60, 70]])]).toEqual(['10m', '50m', '110m']);
});

test('geography: the countries around the fleet, their borders, coast, labels inside, a true-length scale bar', () => {
  const g = geography(BENELUX);
  const names = g.countries.features.map((f) => f.properties.name);
  expect(names).toEqual(expect.arrayContaining(['Netherlands', 'Belgium', 'Germany']));
  expect(names).not.toContain('Maldives'); // its 1:10m ring is wound inside out and would cover the map
  expect(names).not.toContain('Spain');
  expect(names).not.toContain('Russia'); // its bounds span the antimeridian; no polygon of it is near
  expect(g.borders.coordinates.length).toBeGreaterThan(0);
  expect(g.coast.coordinates.length).toBeGreaterThan(0);
  expect(g.labels.map((l) => l.name).sort()).toEqual(expect.arrayContaining(['Belgium', 'Netherlands']));
  for (const l of g.labels) {
    expect(l.lon).toBeGreaterThan(BENELUX[0][0]);
    expect(l.lon).toBeLessThan(BENELUX[1][0]);
    expect(l.lat).toBeGreaterThan(BENELUX[0][1]);
    expect(l.lat).toBeLessThan(BENELUX[1][1]);
  }
  const [a, b] = g.scaleBar.line.coordinates as [[number, number], [number, number]];
  expect(g.scaleBar.km).toBe(scaleBarKm(BENELUX));
  expect(geoDistance(a, b) * 6371.0088).toBeCloseTo(g.scaleBar.km, 1);
});

test('scaleBarKm: a round 1-2-5 length near a fifth of the width', () => {
  expect(scaleBarKm(BENELUX)).toBe(20); // ~205 km wide at 50.5° N
  expect(scaleBarKm([[6, 50.7], [6.2, 50.8]])).toBe(2); // ~14 km wide
  expect(scaleBarKm([[-10, 35], [30, 60]])).toBe(500);
});

test('thin drops sub-tolerance steps but keeps both ends', () => {
  const pts: Array<[number, number]> = [[0, 0], [0.0001, 0], [0.0002, 0], [0.01, 0], [0.0101, 0]];
  expect(thin(pts, 0.001)).toEqual([[0, 0], [0.01, 0], [0.0101, 0]]);
  expect(thin(pts, 0)).toEqual(pts);
});
