import type { ReportData } from './report-data';

const W = 760;
const H = 300;
const PAD = { l: 48, r: 12, t: 12, b: 28 };
const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];
export const LOW_VOLTAGE_V = 11.5;

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const f = (n: number) => (Math.round(n * 10) / 10).toString();
const color = (i: number) => PALETTE[i % PALETTE.length]!;
/** One colour per vehicle across all charts: its index among all vehicle ids, sorted. */
type Colors = (vehicleId: string) => string;
export function vehicleColors(ids: Iterable<string>): Colors {
  const sorted = [...new Set(ids)].sort();
  return (id) => color(Math.max(0, sorted.indexOf(id)));
}

function scale(domain: [number, number], range: [number, number]): (v: number) => number {
  const [d0, d1] = domain[0] === domain[1] ? [domain[0] - 1, domain[1] + 1] : domain;
  return (v) => range[0] + ((v - d0) / (d1 - d0)) * (range[1] - range[0]);
}

function extent(values: number[]): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return lo === Infinity ? [0, 1] : [lo, hi];
}

function svg(id: string, title: string, body: string): string {
  return `<svg id="${id}" role="img" aria-label="${esc(title)}" viewBox="0 0 ${W} ${H}" width="100%" xmlns="http://www.w3.org/2000/svg"><title>${esc(title)}</title>${body}</svg>`;
}

function empty(id: string, title: string, message: string): string {
  return svg(id, title, `<text x="${W / 2}" y="${H / 2}" text-anchor="middle" class="muted">${esc(message)}</text>`);
}

/** Trips as tracks in an equirectangular projection, corrected for latitude. */
export function tripMap(tracks: ReportData['tracks'], colorOf: Colors = vehicleColors(tracks.map((t) => t.vehicleId))): string {
  const pts = tracks.flatMap((t) => t.points);
  if (!pts.length) return empty('trip-map', 'Trips', 'no GPS tracks');
  const [lon0, lon1] = extent(pts.map((p) => p[0]));
  const [lat0, lat1] = extent(pts.map((p) => p[1]));
  const k = Math.cos((((lat0 + lat1) / 2) * Math.PI) / 180);
  const spanX = Math.max((lon1 - lon0) * k, 1e-6);
  const spanY = Math.max(lat1 - lat0, 1e-6);
  const s = Math.min((W - 20) / spanX, (H - 20) / spanY);
  const ox = (W - spanX * s) / 2;
  const oy = (H - spanY * s) / 2;
  const paths = tracks
    .filter((t) => t.points.length > 1)
    .map((t) => {
      const d = t.points.map(([lon, lat], i) => `${i ? 'L' : 'M'}${f(ox + (lon - lon0) * k * s)},${f(H - oy - (lat - lat0) * s)}`).join('');
      return `<path class="track" d="${d}" stroke="${colorOf(t.vehicleId)}"><title>${esc(t.tripId)}</title></path>`;
    })
    .join('');
  return svg('trip-map', 'Trips on the map', `<rect width="${W}" height="${H}" class="map-bg"/>${paths}`);
}

function axes(x: (v: number) => number, y: (v: number) => number, yTicks: number[], yUnit: string, xLabels: Array<[number, string]>): string {
  const yt = yTicks
    .map((v) => `<line class="grid" x1="${PAD.l}" x2="${W - PAD.r}" y1="${f(y(v))}" y2="${f(y(v))}"/><text class="tick" x="${PAD.l - 4}" y="${f(y(v) + 4)}" text-anchor="end">${v}${yUnit}</text>`)
    .join('');
  const xt = xLabels.map(([v, label]) => `<text class="tick" x="${f(x(v))}" y="${H - 8}" text-anchor="middle">${esc(label)}</text>`).join('');
  return yt + xt;
}

function ticks([lo, hi]: [number, number], n = 5, integer = false): number[] {
  const step = Math.max((hi - lo) / n, integer ? 1 : 1e-9);
  const mag = 10 ** Math.floor(Math.log10(step));
  const nice = [1, 2, 5, 10].map((m) => m * mag).find((m) => m >= step) ?? step;
  const out: number[] = [];
  for (let v = Math.ceil(lo / nice) * nice; v <= hi + 1e-9; v += nice) out.push(Math.round(v * 1e6) / 1e6);
  return out;
}

/** Battery voltage per vehicle over time, with the 11.5 V vampire-drain line. */
export function batteryChart(series: ReportData['battery'], colorOf: Colors = vehicleColors(series.map((s) => s.vehicleId))): string {
  const pts = series.flatMap((s) => s.points);
  if (!pts.length) return empty('battery-chart', 'Battery voltage', 'no battery samples');
  const [t0, t1] = extent(pts.map((p) => p[0]));
  const [v0, v1] = extent([...pts.map((p) => p[1]), LOW_VOLTAGE_V]);
  const x = scale([t0, t1], [PAD.l, W - PAD.r]);
  const y = scale([Math.floor(v0 * 2) / 2, Math.ceil(v1 * 2) / 2], [H - PAD.b, PAD.t]);
  const hours = Math.max(1, Math.round((t1 - t0) / 3_600_000 / 6));
  const xLabels: Array<[number, string]> = [];
  for (let t = t0; t <= t1; t += hours * 3_600_000) xLabels.push([t, new Date(t).toISOString().slice(11, 16)]);
  const lines = series
    .filter((s) => s.points.length > 1)
    .map((s) => `<path class="series" d="${s.points.map(([t, v], j) => `${j ? 'L' : 'M'}${f(x(t))},${f(y(v))}`).join('')}" stroke="${colorOf(s.vehicleId)}"><title>${esc(s.vehicleId)}</title></path>`)
    .join('');
  const low = `<line class="threshold" x1="${PAD.l}" x2="${W - PAD.r}" y1="${f(y(LOW_VOLTAGE_V))}" y2="${f(y(LOW_VOLTAGE_V))}"/><text class="threshold-label" x="${W - PAD.r}" y="${f(y(LOW_VOLTAGE_V) - 4)}" text-anchor="end">11.5 V</text>`;
  return svg('battery-chart', 'Battery voltage per vehicle', axes(x, y, ticks([v0, v1]), ' V', xLabels) + lines + low);
}

function bars(id: string, title: string, items: Array<{ label: string; value: number }>, unit: string, integer = false): string {
  if (!items.length) return empty(id, title, 'nothing to show');
  const max = Math.max(...items.map((i) => i.value), 1e-9);
  const y = scale([0, max], [H - PAD.b, PAD.t]);
  const bw = (W - PAD.l - PAD.r) / items.length;
  const rects = items
    .map((it, i) => {
      const x0 = PAD.l + i * bw + bw * 0.15;
      const top = y(it.value);
      // A path rather than a rect so every chart is made of paths.
      return `<path class="bar" d="M${f(x0)},${f(H - PAD.b)}V${f(top)}H${f(x0 + bw * 0.7)}V${f(H - PAD.b)}Z"><title>${esc(it.label)}: ${f(it.value)}${unit}</title></path><text class="tick" x="${f(x0 + bw * 0.35)}" y="${H - 8}" text-anchor="middle">${esc(it.label)}</text><text class="value" x="${f(x0 + bw * 0.35)}" y="${f(top - 4)}" text-anchor="middle">${f(it.value)}</text>`;
    })
    .join('');
  return svg(id, title, axes((v) => v, y, ticks([0, max], 5, integer), unit, []) + rects);
}

function legend(ids: string[], colorOf: Colors): string {
  return `<div class="legend">${ids.map((id) => `<span><i style="background:${colorOf(id)}"></i>${esc(id)}</span>`).join('')}</div>`;
}

export function renderReport(d: ReportData): string {
  const s = d.summary;
  const ids = [...new Set([...d.battery.map((b) => b.vehicleId), ...d.tracks.map((t) => t.vehicleId)])].sort();
  const colorOf = vehicleColors(ids);
  const ratio = s.samples + s.quarantined ? (100 * s.quarantined) / (s.samples + s.quarantined) : 0;
  const kpi = (label: string, value: string) => `<div class="kpi"><div class="v">${esc(value)}</div><div class="l">${esc(label)}</div></div>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>fleetlake report</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:24px auto;max-width:820px;color:#222}
h1{font-size:22px}h2{font-size:16px;margin-top:28px}.muted{fill:#888;color:#888}
.kpis{display:flex;gap:12px;flex-wrap:wrap}.kpi{border:1px solid #ddd;border-radius:6px;padding:8px 12px;min-width:110px}
.kpi .v{font-size:20px;font-weight:600}.kpi .l{color:#666;font-size:12px}
svg{border:1px solid #eee;border-radius:4px;background:#fff}.map-bg{fill:#f4f7f4}
.track,.series{fill:none;stroke-width:1.5;stroke-linejoin:round;opacity:.85}.bar{fill:#4a78b5}
.grid{stroke:#eee}.tick{font-size:11px;fill:#666}.value{font-size:11px;fill:#222}
.legend{display:flex;flex-wrap:wrap;gap:4px 12px;font-size:12px;margin-top:6px}.legend i{display:inline-block;width:10px;height:10px;margin-right:4px;border-radius:2px}
.threshold{stroke:#d62728;stroke-dasharray:6 4;stroke-width:1.5}.threshold-label{fill:#d62728;font-size:12px}
</style></head><body>
<h1>fleetlake: fleet report</h1>
<p class="muted">Generated ${esc(d.generatedAt)} from the local lake (silver and gold tables).</p>
<div class="kpis">${kpi('vehicles', String(s.vehicles))}${kpi('samples in silver', s.samples.toLocaleString('en'))}${kpi('trips', String(s.trips))}${kpi('distance', `${f(s.distanceKm)} km`)}${kpi('quarantined', `${s.quarantined} (${ratio.toFixed(2)} %)`)}${kpi('low-voltage events', String(s.lowVoltageEvents))}</div>
<h2>Trips</h2>${tripMap(d.tracks, colorOf)}${ids.length <= 40 ? legend(ids, colorOf) : ''}
<h2>Battery voltage (5-minute minimum per vehicle)</h2>${batteryChart(d.battery, colorOf)}
<h2>Fleet daily distance</h2>${bars('distance-chart', 'Fleet daily distance', d.dailyDistance.map((r) => ({ label: r.dt, value: r.km })), ' km')}
<h2>Quarantine by reason</h2>${bars('quarantine-chart', 'Quarantined records by reason', d.quarantine.map((r) => ({ label: r.reason, value: r.count })), '', true)}
</body></html>
`;
}
