import * as Plot from '@observablehq/plot';
import { parseHTML } from 'linkedom';
import { CUTOFF_V } from './attention';
import type { BatterySeries, DayRow, Trip, TripTrack } from './data';
import { BATTERY_BUCKET_S } from './data';
import { fitAspect, fleetExtent, geography, mercatorAspect, thin } from './geography';
import { num1, percent3, utc } from './format';
import { vehicleColorScale } from './palette';

/**
 * The report's charts, drawn with Observable Plot in Node (linkedom as the DOM) into static SVG: no script and
 * no network at view time; hovers are SVG <title>s. Each function returns an HTML fragment.
 */

const { document } = parseHTML('<!doctype html><html><body></body></html>');
type Rendered = { outerHTML: string; setAttribute(name: string, value: string): void };
const out = (el: unknown) => (el as Rendered).outerHTML;
const FONT = 'system-ui, sans-serif';
/** The page's content width; the SVGs scale down with it (viewBox). */
export const CHART_WIDTH = 1160;
/** `12-01 08:00`: date and time; axis labels say UTC. */
const tick = (d: Date) => d.toISOString().slice(5, 16).replace('T', '\n');

export interface MapInput {
  tracks: TripTrack[];
  trips: Trip[];
  vehicleIds: string[];
}

/**
 * Trips over country outlines, fitted to the fleet's extent (Mercator), with a scale bar: one track per vehicle
 * (its trips as separate pieces of one line) and a dot at each trip start. Hover: vehicle, times, distance.
 */
export function tripMap({ tracks, trips, vehicleIds }: MapInput, width = CHART_WIDTH): string {
  const points = fleetExtent(tracks.flatMap((t) => t.points));
  if (!points) return '<p class="muted" id="map-empty">No GPS positions in this range.</p>';
  // As tall as the fleet's extent wants, within 420-720 px; the extent then widens to fill the frame.
  const height = Math.round(Math.min(720, Math.max(420, width / mercatorAspect(points))));
  const geo = geography(fitAspect(points, width / height));
  // Half a pixel of the map's width: finer detail would not show.
  const tolerance = (geo.extent[1][0] - geo.extent[0][0]) / width / 2;
  const tripById = new Map(trips.map((t) => [t.tripId, t]));
  type P = { vehicleId: string; lon: number; lat: number };
  const byVehicle = new Map<string, TripTrack[]>();
  for (const t of tracks) byVehicle.set(t.vehicleId, [...(byVehicle.get(t.vehicleId) ?? []), t]);
  const line: P[] = [];
  const title = new Map<string, string>();
  for (const [vehicleId, ts] of byVehicle) {
    for (const t of ts) {
      for (const [lon, lat] of thin(t.points, tolerance)) line.push({ vehicleId, lon, lat });
      line.push({ vehicleId, lon: NaN, lat: NaN }); // a break between trips
    }
    const known = ts.map((t) => tripById.get(t.tripId)).filter((t): t is Trip => !!t);
    const km = known.reduce((a, t) => a + t.distanceKm, 0);
    const first = known[0]?.start;
    const last = known.at(-1)?.end;
    title.set(vehicleId, `${vehicleId}: ${known.length} trip${known.length === 1 ? '' : 's'}, ${num1(km)} km\n${first ? utc(first) : '?'} → ${last ? utc(last) : '?'}`);
  }
  const starts = tracks
    .map((t) => ({ t, trip: tripById.get(t.tripId), p: t.points[0] }))
    .filter((s) => s.p && s.trip)
    .map(({ t, trip, p }) => ({
      vehicleId: t.vehicleId,
      lon: p![0],
      lat: p![1],
      title: `${t.vehicleId} trip\n${utc(trip!.start)} → ${utc(trip!.end)}\n${num1(trip!.distanceKm)} km`,
    }));
  const [a, b] = geo.scaleBar.line.coordinates as [[number, number], [number, number]];
  const svg = Plot.plot({
    document,
    width,
    height,
    style: { fontFamily: FONT, background: '#dbe7f0' },
    projection: { type: 'mercator', domain: geo.frame },
    color: vehicleColorScale(vehicleIds),
    marks: [
      Plot.geo(geo.countries, { fill: '#f5f3ee', className: 'land' }),
      Plot.geo(geo.coast, { stroke: '#7f8c99', strokeWidth: 1, className: 'coast' }),
      Plot.geo(geo.borders, { stroke: '#8f8a80', strokeWidth: 1, strokeDasharray: '5,3', className: 'borders' }),
      Plot.text(geo.labels, { x: 'lon', y: 'lat', text: 'name', fill: '#7c776d', stroke: '#f5f3ee', strokeWidth: 3, fontSize: 16, fontWeight: 600, className: 'country-names' }),
      Plot.line(line, { x: 'lon', y: 'lat', z: 'vehicleId', stroke: 'vehicleId', strokeWidth: 2, strokeOpacity: 0.9, title: (d: P) => title.get(d.vehicleId), className: 'tracks' }),
      Plot.dot(starts, { x: 'lon', y: 'lat', fill: 'vehicleId', stroke: 'white', r: 3.5, title: 'title', className: 'trip-starts' }),
      Plot.line([a, b], { x: (p: number[]) => p[0], y: (p: number[]) => p[1], stroke: '#222', strokeWidth: 4, strokeLinecap: 'butt', className: 'scale-bar' }),
      Plot.text([a], { x: (p: number[]) => p[0], y: (p: number[]) => p[1], text: () => `${geo.scaleBar.km} km`, dy: -10, textAnchor: 'start', fontSize: 12, fill: '#222' }),
    ],
  });
  (svg as unknown as Rendered).setAttribute('id', 'map-svg');
  // `document` works in legend() as in plot(), though its type leaves it out.
  const legend = Plot.legend({ document, color: vehicleColorScale(vehicleIds), swatchSize: 12, style: { fontFamily: FONT, fontSize: '12px' } } as Plot.LegendScales);
  return out(svg) + out(legend);
}

/** Splits a series where a whole bucket is missing, so an offline silence is drawn as a gap, not a line. */
export function withGaps(points: BatterySeries['points'], bucketMs = BATTERY_BUCKET_S * 1000): Array<{ t: Date; v: number }> {
  const rows: Array<{ t: Date; v: number }> = [];
  let prev: number | undefined;
  for (const [t, v] of points) {
    if (prev !== undefined && t - prev > bucketMs) rows.push({ t: new Date(prev + bucketMs), v: NaN });
    rows.push({ t: new Date(t), v });
    prev = t;
  }
  return rows;
}

/**
 * Battery voltage, one small chart per vehicle (5-minute minimum), with the cut-off line; shared axes fitted to
 * the data, time in UTC.
 */
export function batteryMultiples(series: BatterySeries[], vehicleIds: string[], width = 220, height = 132): string {
  if (!series.length) return '<p class="muted">No battery readings in this range.</p>';
  let [t0, t1, v0, v1] = [Infinity, -Infinity, CUTOFF_V, CUTOFF_V];
  for (const s of series) {
    for (const [t, v] of s.points) {
      if (t < t0) t0 = t;
      if (t > t1) t1 = t;
      if (v < v0) v0 = v;
      if (v > v1) v1 = v;
    }
  }
  const color = vehicleColorScale(vehicleIds);
  const cells = series.map((s) => {
    const low = Math.min(...s.points.map((p) => p[1]));
    const svg = Plot.plot({
      document,
      width,
      height,
      marginLeft: 34,
      marginBottom: 42,
      marginRight: 8,
      style: { fontFamily: FONT },
      x: { type: 'utc', domain: [new Date(t0), new Date(t1 + BATTERY_BUCKET_S * 1000)], ticks: 3, tickFormat: tick, label: 'UTC', labelAnchor: 'right', labelOffset: 40 },
      y: { domain: [Math.floor(v0 * 5) / 5 - 0.1, Math.ceil(v1 * 5) / 5], ticks: 4, label: null, grid: true },
      color,
      marks: [
        Plot.ruleY([CUTOFF_V], { stroke: '#c0392b', strokeDasharray: '4,3', className: 'cut-off' }),
        Plot.line(withGaps(s.points), { x: 't', y: 'v', stroke: () => s.vehicleId, strokeWidth: 1.5, title: () => `${s.vehicleId}: lowest ${low.toFixed(2)} V`, className: 'battery' }),
      ],
    });
    const flag = low < CUTOFF_V ? ` <span class="flag">&lt; ${CUTOFF_V} V</span>` : '';
    return `<figure class="multiple" data-vehicle="${s.vehicleId}"><figcaption>${s.vehicleId} · lowest ${low.toFixed(2)} V${flag}</figcaption>${out(svg)}</figure>`;
  });
  return `<div class="multiples">${cells.join('')}</div>`;
}

/** A day is partial when the fleet's samples start after 00:05 or end before 23:55 UTC. */
export function partialDay(d: DayRow): boolean {
  const dayStart = Date.parse(`${d.dt}T00:00:00Z`);
  return Date.parse(d.firstSample) - dayStart > 5 * 60_000 || dayStart + 86_400_000 - Date.parse(d.lastSample) > 5 * 60_000;
}

interface Bar {
  key: string;
  value: number;
  /** Written right of the bar. */
  label: string;
  title: string;
  /** Fill: a colour, or a category of `color`. */
  fill: string;
}

/** Horizontal bars, one per key, each labelled at its end (the x axis leaves room for the longest label). */
function labelledBars(rows: Bar[], o: { width: number; xLabel: string; className: string; marginLeft: number; rowPx: number; room: number; color?: Plot.ScaleOptions }): string {
  const svg = Plot.plot({
    document,
    width: o.width,
    height: 70 + o.rowPx * rows.length,
    marginLeft: o.marginLeft,
    marginRight: 20,
    style: { fontFamily: FONT },
    x: { label: o.xLabel, grid: true, tickFormat: (n: number) => num1(n), domain: [0, Math.max(...rows.map((r) => r.value), 1) * o.room] },
    y: { label: null, domain: rows.map((r) => r.key) },
    ...(o.color ? { color: o.color } : {}),
    marks: [
      Plot.barX(rows, { y: 'key', x: 'value', fill: 'fill', title: 'title', className: o.className }),
      Plot.text(rows, { y: 'key', x: 'value', text: 'label', textAnchor: 'start', dx: 4, fill: '#222' }),
      Plot.ruleX([0]),
    ],
  });
  return out(svg);
}

/** Fleet distance per UTC day; partial days (data not covering the whole day) are marked and say their hours. */
export function dailyDistance(days: DayRow[], width = CHART_WIDTH): string {
  if (!days.length) return '<p class="muted">No days with data in this range.</p>';
  const rows = days.map((d): Bar => {
    const partial = partialDay(d);
    const hours = (Date.parse(d.lastSample) - Date.parse(d.firstSample)) / 3_600_000;
    const label = `${num1(d.distanceKm)} km${partial ? ` · partial: ${utc(d.firstSample).slice(11, 16)}–${utc(d.lastSample).slice(11, 16)} (${hours.toFixed(1)} h)` : ''}`;
    return { key: d.dt, value: d.distanceKm, label, title: `${d.dt}: ${label}, ${d.trips} trips, ${d.vehicles} vehicles`, fill: partial ? 'partial day' : 'full day' };
  });
  const color: Plot.ScaleOptions = { domain: ['full day', 'partial day'], range: ['#4e79a7', '#c6d4e4'], legend: true };
  return labelledBars(rows, { width, xLabel: 'distance (km)', className: 'days', marginLeft: 90, rowPx: 28, room: 1.6, color });
}

/** Quarantined records by reason, with their share of all records (valid + quarantined) to 3 significant figures. */
export function quarantineChart(reasons: Array<{ reason: string; count: number }>, totalRecords: number, width = CHART_WIDTH): string {
  if (!reasons.length) return '<p class="muted">Nothing quarantined in this range.</p>';
  const rows = reasons.map((r): Bar => {
    const label = `${r.count.toLocaleString('en-US')} (${percent3(r.count, totalRecords)})`;
    return { key: r.reason, value: r.count, label, title: `${r.reason}: ${label}`, fill: '#e15759' };
  });
  return labelledBars(rows, { width, xLabel: 'records', className: 'reasons', marginLeft: 130, rowPx: 24, room: 1.4 });
}
