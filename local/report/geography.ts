import { geoArea, geoBounds, geoContains, geoDistance } from 'd3-geo';
import type { Feature, FeatureCollection, LineString, MultiLineString, MultiPolygon, Polygon } from 'geojson';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { feature, mesh } from 'topojson-client';
import type { GeometryCollection, Topology } from 'topojson-specification';

/**
 * The map's geography: Natural Earth country outlines from the world-atlas package (offline, bundled with npm),
 * cut down to the countries around the fleet, plus a scale bar. Plain GeoJSON, drawn by the chart library.
 */

/** [[west, south], [east, north]] in degrees. */
export type Extent = [[number, number], [number, number]];

export interface Geography {
  extent: Extent;
  /** The extent as a polygon, for the projection to fit. */
  frame: Feature<Polygon>;
  countries: FeatureCollection<Polygon | MultiPolygon, { name: string }>;
  /** Borders between countries, and coastlines (edges of one country only). */
  borders: MultiLineString;
  coast: MultiLineString;
  /** Country names, each at a point inside both the country and the extent. */
  labels: Array<{ name: string; lon: number; lat: number }>;
  scaleBar: { km: number; line: LineString };
}

const EARTH_KM = 6371.0088;
const require = createRequire(import.meta.url);

/** Bounds of the points, padded by `pad` of the span on each side and at least `minSpanDeg` wide and high. */
export function fleetExtent(points: Iterable<[number, number]>, pad = 0.08, minSpanDeg = 0.2): Extent | null {
  let [w, s, e, n] = [Infinity, Infinity, -Infinity, -Infinity];
  for (const [lon, lat] of points) {
    if (lon < w) w = lon;
    if (lon > e) e = lon;
    if (lat < s) s = lat;
    if (lat > n) n = lat;
  }
  if (w === Infinity) return null;
  const grow = (lo: number, hi: number, limit: number): [number, number] => {
    const span = Math.max(hi - lo, minSpanDeg);
    const mid = (lo + hi) / 2;
    const half = span / 2 + span * pad;
    return [Math.max(-limit, mid - half), Math.min(limit, mid + half)];
  };
  const [w2, e2] = grow(w, e, 180);
  const [s2, n2] = grow(s, n, 85);
  return [[w2, s2], [e2, n2]];
}

const mercY = (lat: number) => Math.log(Math.tan(Math.PI / 4 + (lat * Math.PI) / 360));
const mercLat = (y: number) => ((2 * Math.atan(Math.exp(y)) - Math.PI / 2) * 180) / Math.PI;

/** Width / height of the extent in Mercator. */
export function mercatorAspect([[w, s], [e, n]]: Extent): number {
  return ((e - w) * Math.PI) / 180 / (mercY(n) - mercY(s));
}

/** Widens the extent (east-west or north-south, about its centre) so that in Mercator it has `aspect` = width / height. */
export function fitAspect(extent: Extent, aspect: number): Extent {
  const [[w, s], [e, n]] = extent;
  const dx = ((e - w) * Math.PI) / 180;
  const [y0, y1] = [mercY(s), mercY(n)];
  if (mercatorAspect(extent) < aspect) {
    const half = (((y1 - y0) * aspect) / 2) * (180 / Math.PI);
    const mid = (w + e) / 2;
    return [[mid - half, s], [mid + half, n]];
  }
  const mid = (y0 + y1) / 2;
  const half = dx / aspect / 2;
  return [[w, mercLat(mid - half)], [e, mercLat(mid + half)]];
}

/** Drops points closer than `tolerance` degrees to the last kept one (keeping the last point): tracks at screen resolution. */
export function thin(points: ReadonlyArray<[number, number]>, tolerance: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (const p of points) {
    const q = out.at(-1);
    if (!q || Math.abs(p[0] - q[0]) > tolerance || Math.abs(p[1] - q[1]) > tolerance) out.push(p);
  }
  const last = points.at(-1);
  if (last && out.at(-1) !== last) out.push(last);
  return out;
}

/** Natural Earth scale: 1:10m for a regional map, 1:50m for a continent, 1:110m beyond. */
export function atlasScale(extent: Extent): '10m' | '50m' | '110m' {
  const span = Math.max(extent[1][0] - extent[0][0], extent[1][1] - extent[0][1]);
  return span <= 15 ? '10m' : span <= 60 ? '50m' : '110m';
}

const topologies = new Map<string, Topology>();
function topology(scale: string): Topology {
  let t = topologies.get(scale);
  if (!t) {
    t = JSON.parse(readFileSync(require.resolve(`world-atlas/countries-${scale}.json`), 'utf8')) as Topology;
    topologies.set(scale, t);
  }
  return t;
}

/** Longitude/latitude bounds of one polygon's outer ring. */
function ringBounds(ring: ReadonlyArray<ReadonlyArray<number>>): Extent {
  let [w, s, e, n] = [Infinity, Infinity, -Infinity, -Infinity];
  for (const [lon, lat] of ring as Array<[number, number]>) {
    if (lon < w) w = lon;
    if (lon > e) e = lon;
    if (lat < s) s = lat;
    if (lat > n) n = lat;
  }
  return [[w, s], [e, n]];
}

/** The feature cut down to its polygons whose bounds meet the extent (France without its overseas parts); null if none. */
function nearPart<F extends Geography['countries']['features'][number]>(f: F, extent: Extent): F | null {
  const polygons = f.geometry.type === 'Polygon' ? [f.geometry.coordinates] : f.geometry.coordinates;
  const near = polygons.filter((p) => {
    if (!p[0]) return false;
    let b = ringBounds(p[0]);
    // A ring across the antimeridian spans -180..180 in plain longitude; only then the spherical bounds.
    if (b[1][0] - b[0][0] > 180) b = geoBounds({ type: 'Polygon', coordinates: p }) as Extent;
    return b[0][0] <= b[1][0] ? overlaps(b, extent) : overlaps([[b[0][0], b[0][1]], [180, b[1][1]]], extent) || overlaps([[-180, b[0][1]], [b[1][0], b[1][1]]], extent);
  });
  return near.length ? { ...f, geometry: { type: 'MultiPolygon', coordinates: near } } : null;
}

const overlaps = (a: Extent, b: Extent) => a[0][0] <= b[1][0] && b[0][0] <= a[1][0] && a[0][1] <= b[1][1] && b[0][1] <= a[1][1];

/**
 * Where to write each country's name: over a 12 x 8 grid of the extent, the grid point of the country nearest the
 * mean of its grid points (so inside the country, even a concave one). Countries on fewer than 3 points get none;
 * the bottom-left corner is the scale bar's.
 */
function labelPoints(features: Geography['countries']['features'], [[w, s], [e, n]]: Extent): Geography['labels'] {
  // Each polygon with its bounds, so a grid point is tested (spherically, which is slow) only where it may lie.
  const polygons = features.flatMap((f) => (f.geometry as MultiPolygon).coordinates.map((coordinates) => ({ name: f.properties.name, polygon: { type: 'Polygon', coordinates } as Polygon, bounds: ringBounds(coordinates[0] ?? []) })));
  const hits = new Map<string, Array<[number, number]>>();
  for (let i = 0; i < 12; i++) {
    for (let j = i < 3 ? 1 : 0; j < 8; j++) {
      const p: [number, number] = [w + ((i + 0.5) * (e - w)) / 12, s + ((j + 0.5) * (n - s)) / 8];
      const inside = (b: Extent) => p[0] >= b[0][0] && p[0] <= b[1][0] && p[1] >= b[0][1] && p[1] <= b[1][1];
      const hit = polygons.find((x) => inside(x.bounds) && geoContains(x.polygon, p));
      if (hit) hits.set(hit.name, [...(hits.get(hit.name) ?? []), p]);
    }
  }
  return [...hits]
    .filter(([, ps]) => ps.length >= 3)
    .map(([name, ps]) => {
      const [mx, my] = [ps.reduce((a, p) => a + p[0], 0) / ps.length, ps.reduce((a, p) => a + p[1], 0) / ps.length];
      const [lon, lat] = ps.reduce((a, p) => (Math.hypot(p[0] - mx, p[1] - my) < Math.hypot(a[0] - mx, a[1] - my) ? p : a));
      return { name, lon, lat };
    });
}

/** A round distance (1, 2 or 5 × 10^k km) close to a fifth of the extent's width at its southern edge. */
export function scaleBarKm(extent: Extent): number {
  const [[w, s], [e]] = extent;
  const widthKm = geoDistance([w, s], [e, s]) * EARTH_KM;
  const target = widthKm / 5;
  const mag = 10 ** Math.floor(Math.log10(target));
  return [5, 2, 1].map((m) => m * mag).find((m) => m <= target) ?? mag;
}

export function geography(extent: Extent): Geography {
  const topo = topology(atlasScale(extent));
  const countriesObject = topo.objects.countries as GeometryCollection<{ name: string }>;
  const all = feature(topo, countriesObject) as FeatureCollection<Polygon | MultiPolygon, { name: string }>;
  // A ring wound the wrong way covers the whole sphere (area > 2π; world-atlas 10m has one): leave it out.
  const near = all.features.map((f) => nearPart(f, extent)).filter((f): f is NonNullable<typeof f> => f !== null && geoArea(f) < 2 * Math.PI);
  const nearNames = new Set(near.map((f) => f.properties.name));
  const isNear = (g: { properties?: unknown }) => nearNames.has((g.properties as { name: string }).name);
  const borders = mesh(topo, countriesObject, (a, b) => a !== b && (isNear(a) || isNear(b)));
  const coast = mesh(topo, countriesObject, (a, b) => a === b && isNear(a));
  const [[w, s], [e, n]] = extent;
  const km = scaleBarKm(extent);
  // Along a parallel: km / (R cos(lat)) radians of longitude, from a point 4 % inside the south-west corner.
  const lat = s + (n - s) * 0.06;
  const lon = w + (e - w) * 0.04;
  const dLon = ((km / (EARTH_KM * Math.cos((lat * Math.PI) / 180))) * 180) / Math.PI;
  return {
    extent,
    frame: { type: 'Feature', properties: {}, geometry: { type: 'Polygon', coordinates: [[[w, s], [w, n], [e, n], [e, s], [w, s]]] } },
    countries: { type: 'FeatureCollection', features: near },
    borders,
    coast,
    labels: labelPoints(near, extent),
    scaleBar: { km, line: { type: 'LineString', coordinates: [[lon, lat], [lon + dLon, lat]] } },
  };
}
