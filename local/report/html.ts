import type { Cell, QueryResult } from '../../lib/query/port';
import { COMPLETENESS_MIN, type ReportData } from './data';
import { CUTOFF_V, LIVE_MS, OFFLINE_MS, score, vehicleStatuses, type VehicleStatus } from './attention';
import { batteryMultiples, dailyDistance, quarantineChart, tripMap } from './charts';
import { duration, html, num1, percent3, utc } from './format';

/**
 * The report page: one self-contained HTML file (inline CSS, static SVG charts, a few lines of inline script for
 * table sorting and the trip filter). The Content-Security-Policy forbids every network request at view time.
 */

/** Battery small multiples: every vehicle up to this many, else the BATTERY_LOWEST with the lowest voltage. */
export const BATTERY_ALL_UP_TO = 24;
export const BATTERY_LOWEST = 12;

type Td = { text: string; v?: string | number | null; cls?: string };
const td = (c: Td) => `<td${c.v === undefined || c.v === null ? '' : ` data-v="${html(c.v)}"`}${c.cls ? ` class="${c.cls}"` : ''}>${c.text}</td>`;
const isoTs = (c: Cell) => typeof c === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/.test(c);

function table(id: string, head: string[], rows: Array<{ cells: Td[]; attrs?: string }>, empty: string): string {
  if (!rows.length) return `<p class="muted" id="${id}-empty">${html(empty)}</p>`;
  const th = head.map((h) => `<th scope="col" tabindex="0">${html(h)}</th>`).join('');
  const body = rows.map((r) => `<tr${r.attrs ? ` ${r.attrs}` : ''}>${r.cells.map(td).join('')}</tr>`).join('\n');
  return `<table id="${id}" class="sortable"><thead><tr>${th}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

/** A named query's result as returned: its columns in order, timestamps shown in UTC. */
export function queryTable(id: string, r: QueryResult, empty: string): string {
  const rows = r.rows.map((row) => ({
    cells: r.columns.map((c) => {
      const v = row[c.name] ?? null;
      if (v === null) return { text: '', v: '' };
      if (isoTs(v)) return { text: html(utc(v as string, true)), v: v as string };
      return { text: html(typeof v === 'object' ? JSON.stringify(v) : v), v: typeof v === 'object' ? JSON.stringify(v) : (v as string | number) };
    }),
  }));
  return table(id, r.columns.map((c) => c.name), rows, empty);
}

const STATE_RANK = { live: 0, stale: 1, offline: 2 } as const;

function attentionTable(vs: VehicleStatus[]): string {
  const rows = vs.map((v) => {
    const flagged = v.reasons.length > 0;
    const dtcs = v.dtcs.map((d) => `<span class="dtc">${html(d.code)}</span> <span class="muted nw">${html(utc(d.firstSeen, false, false))} →</span><br><span class="muted nw">${html(utc(d.lastSeen, false, false))}</span>`).join('<br>');
    return {
      attrs: `data-vehicle="${html(v.vehicleId)}"${flagged ? ' class="flagged"' : ''}`,
      cells: [
        { text: flagged ? '⚠' : '✓', v: score(v), cls: flagged ? 'flag' : 'ok' },
        { text: html(v.vehicleId), v: v.vehicleId },
        { text: flagged ? v.reasons.map((r) => html(r.text)).join('<br>') : '<span class="muted">nothing</span>', v: v.reasons.map((r) => r.text).join('; ') },
        { text: v.freshness ? `<span class="state ${v.freshness}">${v.freshness}</span>` : '-', v: v.freshness ? STATE_RANK[v.freshness] : null },
        { text: v.lastSeen ? `${html(utc(v.lastSeen, false, false))}<br><span class="muted">${html(duration(v.sinceMs ?? 0))} before as-of</span>` : '-', v: v.lastSeen, cls: 'nw' },
        { text: v.completeness === null ? '-' : v.completeness.toFixed(3), v: v.completeness },
        { text: v.batteryV === null ? '-' : `${v.batteryV.toFixed(2)}${v.belowCutoff ? ` <span class="flag">&lt; ${CUTOFF_V}</span>` : ''}`, v: v.batteryV, cls: v.belowCutoff ? 'low' : '' },
        { text: dtcs || '<span class="muted">none</span>', v: v.dtcs.map((d) => d.code).join(' ') },
        { text: String(v.trips), v: v.trips },
        { text: num1(v.distanceKm), v: v.distanceKm },
        { text: v.harshPer100km === null ? '-' : v.harshPer100km.toFixed(1), v: v.harshPer100km },
      ],
    };
  });
  const head = ['', 'vehicle', 'needs attention because', 'state', 'last seen (UTC)', 'completeness', 'battery (V)', 'active DTCs (first → last)', 'trips', 'distance (km)', 'harsh / 100 km'];
  return table('attention', head, rows, 'No vehicles sent data in this range.');
}

function tripsSection(d: ReportData): string {
  const ids = [...new Set(d.trips.map((t) => t.vehicleId))].sort();
  const options = ['<option value="">all vehicles</option>', ...ids.map((id) => `<option value="${html(id)}">${html(id)}</option>`)].join('');
  const rows = d.trips.map((t) => ({
    attrs: `data-vehicle="${html(t.vehicleId)}"`,
    cells: [
      { text: html(t.vehicleId), v: t.vehicleId },
      { text: html(utc(t.start, false, false)), v: t.start, cls: 'nw' },
      { text: html(utc(t.end, false, false)), v: t.end, cls: 'nw' },
      { text: num1(t.distanceKm), v: t.distanceKm },
      { text: html(duration(t.durationS * 1000)), v: t.durationS },
      { text: t.avgSpeedKmh === null ? '-' : t.avgSpeedKmh.toFixed(1), v: t.avgSpeedKmh },
      { text: t.maxSpeedKmh === null ? '-' : t.maxSpeedKmh.toFixed(1), v: t.maxSpeedKmh },
      { text: html(duration(t.idleS * 1000)), v: t.idleS },
      { text: `${t.harshBrakes + t.harshAccels} <span class="muted">(${t.harshBrakes} brake, ${t.harshAccels} accel)</span>`, v: t.harshBrakes + t.harshAccels },
    ],
  }));
  const head = ['vehicle', 'start (UTC)', 'end (UTC)', 'distance (km)', 'duration', 'avg km/h', 'max km/h', 'idle', 'harsh events'];
  return `<p><label>Vehicle <select id="trip-vehicle">${options}</select></label> <span id="trip-count">${d.trips.length} trips</span></p>${table('trips', head, rows, 'No trips in this range.')}`;
}

/** Quarantined records by reason from data_quality_report.sql; the share is of all records (valid + quarantined). */
export function quarantineByReason(quality: QueryResult): { reasons: Array<{ reason: string; count: number }>; quarantined: number; valid: number } {
  const counts = new Map<string, number>();
  const validByDay = new Map<string, number>();
  for (const r of quality.rows) {
    validByDay.set(String(r.dt), Number(r.valid_samples ?? 0));
    const n = Number(r.quarantined ?? 0);
    if (r.reason !== 'none' && n > 0) counts.set(String(r.reason), (counts.get(String(r.reason)) ?? 0) + n);
  }
  const reasons = [...counts].map(([reason, count]) => ({ reason, count })).sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason));
  return { reasons, quarantined: reasons.reduce((a, r) => a + r.count, 0), valid: [...validByDay.values()].reduce((a, n) => a + n, 0) };
}

function pipelineSection(d: ReportData): string {
  const q = quarantineByReason(d.quality);
  const total = q.valid + q.quarantined;
  const qRows = q.reasons.map((r) => ({ cells: [{ text: html(r.reason), v: r.reason }, { text: r.count.toLocaleString('en-US'), v: r.count }, { text: percent3(r.count, total), v: r.count / total }] }));
  const exRows = d.executions.map((e) => ({
    cells: [
      { text: html(e.id), v: e.id },
      { text: `<span class="status ${html(e.status.toLowerCase())}">${html(e.status)}</span>${e.error ? ` <span class="muted">${html(e.error)}</span>` : ''}`, v: e.status },
      { text: e.start === undefined ? '-' : html(utc(e.start, true)), v: e.start ?? null },
      { text: e.start !== undefined && e.stop !== undefined ? html(duration(e.stop - e.start)) : '-', v: e.start !== undefined && e.stop !== undefined ? e.stop - e.start : null },
      { text: `<code>${html(JSON.stringify(e.input ?? {}))}</code>`, v: JSON.stringify(e.input ?? {}) },
    ],
  }));
  return `<h3>Daily distance</h3>
<p class="muted">Fleet distance per UTC day (fleet_daily_summary). A day whose data starts after 00:05 or ends before 23:55 UTC is partial and says which hours it covers.</p>
<div id="daily-distance">${dailyDistance(d.days)}</div>
<h3>Quarantine by reason</h3>
<p class="muted">${q.quarantined.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} records (${percent3(q.quarantined, total)}) were quarantined (data_quality_report; valid samples by event date, quarantine by arrival date).</p>
${table('quarantine', ['reason', 'records', 'share of all records'], qRows, 'Nothing quarantined in this range.')}
${q.reasons.length ? `<div id="quarantine-chart">${quarantineChart(q.reasons, total)}</div>` : ''}
<h3>Latest executions</h3>
${table('executions', ['execution', 'status', 'started', 'duration', 'input'], exRows, 'No pipeline executions in this lake (run `fleetlake run`).')}`;
}

function batterySection(d: ReportData, ids: string[]): string {
  const lowest = (s: ReportData['battery'][number]) => Math.min(...s.points.map((p) => p[1]));
  const ordered = [...d.battery].sort((a, b) => lowest(a) - lowest(b) || a.vehicleId.localeCompare(b.vehicleId));
  const shown = ordered.length <= BATTERY_ALL_UP_TO ? ordered : ordered.slice(0, BATTERY_LOWEST);
  const note = shown.length < ordered.length ? `the ${shown.length} lowest of ${ordered.length} vehicles` : `all ${ordered.length} vehicles, lowest first`;
  return `<p class="muted">Minimum voltage per 5 minutes (${note}); the dashed line is the ${CUTOFF_V} V cut-off. A gap is a silence of at least one whole 5-minute bucket: nothing was received, so nothing is drawn. Time axis: month-day and hour, UTC.</p>
${batteryMultiples(shown, ids)}`;
}

const CSS = `
:root{color-scheme:light;--muted:#6b6b6b;--flag:#b3261e}
body{font:14px/1.45 system-ui,sans-serif;margin:24px auto;max-width:1200px;padding:0 16px;color:#1f1f1f}
h1{font-size:24px;margin-bottom:4px}h2{font-size:18px;margin-top:36px;border-bottom:1px solid #ddd;padding-bottom:4px}h3{font-size:15px;margin-top:22px}
.muted{color:var(--muted)}.summary{font-size:15px}
table{border-collapse:collapse;width:100%;font-size:13px;margin:8px 0}
th,td{border-bottom:1px solid #e4e4e4;padding:4px 6px;text-align:left;vertical-align:top}
th{background:#f5f5f5;cursor:pointer;user-select:none;white-space:nowrap;position:sticky;top:0}
th[aria-sort=ascending]::after{content:" ▲"}th[aria-sort=descending]::after{content:" ▼"}
td[data-v]{font-variant-numeric:tabular-nums}.nw{white-space:nowrap}
tr.flagged td{background:#fff6f5}td.flag,.flag{color:var(--flag);font-weight:600}td.ok{color:#2e7d32}td.low{color:var(--flag);font-weight:600}
.state{padding:1px 6px;border-radius:8px;font-size:12px}.state.live{background:#e3f3e5;color:#1b5e20}.state.stale{background:#fff3d6;color:#7a5200}.state.offline{background:#fde2df;color:#8c1d18}
.status.succeeded{color:#1b5e20}.status.failed,.status.timed_out,.status.aborted{color:var(--flag);font-weight:600}
.dtc{font-family:ui-monospace,monospace;font-weight:600}
.multiples{display:grid;grid-template-columns:repeat(auto-fill,minmax(220px,1fr));gap:8px 12px}
.multiple{margin:0}.multiple figcaption{font-size:12px;font-weight:600}
#map svg{border:1px solid #ccc;border-radius:4px}
.scroll{max-height:520px;overflow:auto}.wide{overflow-x:auto}
code{font-size:12px}
`;

/** Click a header to sort by it (again to reverse); the trip filter hides other vehicles' rows. */
const SCRIPT = `
for (const t of document.querySelectorAll('table.sortable')) {
  const heads = [...t.tHead.rows[0].cells];
  heads.forEach((th, i) => {
    const sort = () => {
      const dir = th.getAttribute('aria-sort') === 'ascending' ? -1 : 1;
      heads.forEach((h) => h.removeAttribute('aria-sort'));
      th.setAttribute('aria-sort', dir === 1 ? 'ascending' : 'descending');
      const key = (r) => r.cells[i].dataset.v ?? '';
      const rows = [...t.tBodies[0].rows];
      const numeric = rows.every((r) => key(r) === '' || !isNaN(Number(key(r))));
      rows.sort((a, b) => {
        const [x, y] = [key(a), key(b)];
        if (x === '' || y === '') return (x === '') - (y === '');
        return dir * (numeric ? Number(x) - Number(y) : x.localeCompare(y));
      });
      t.tBodies[0].append(...rows);
    };
    th.addEventListener('click', sort);
    th.addEventListener('keydown', (e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); sort(); } });
  });
}
const pick = document.getElementById('trip-vehicle');
if (pick) pick.addEventListener('change', () => {
  let n = 0;
  for (const r of document.querySelectorAll('#trips tbody tr')) {
    const show = !pick.value || r.dataset.vehicle === pick.value;
    r.hidden = !show;
    n += show;
  }
  document.getElementById('trip-count').textContent = n + ' trips';
});
`;

/** The whole page for `d`. */
export function renderReport(d: ReportData, lakeLabel: string): string {
  const statuses = vehicleStatuses(d);
  const ids = statuses.map((v) => v.vehicleId);
  const flagged = statuses.filter((v) => v.reasons.length).length;
  const km = d.totals.reduce((a, t) => a + t.distanceKm, 0);
  const lag = d.asOf ? Date.parse(d.generatedAt) - Date.parse(d.asOf) : null;
  const asOf = d.asOf ? `${html(utc(d.asOf, true))}${lag !== null && lag > OFFLINE_MS ? ` (<span class="flag">${html(duration(lag))} before this report was made: is the pipeline running?</span>)` : ''}` : 'no data';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>fleetlake fleet report ${html(d.range.from)} – ${html(d.range.to)}</title>
<style>${CSS}</style></head><body>
<h1>Fleet report</h1>
<p class="muted">${html(d.range.from)} to ${html(d.range.to)} (UTC days) · lake ${html(lakeLabel)} · generated ${html(utc(d.generatedAt, true))}</p>
<p class="summary"><strong>${flagged} of ${statuses.length} vehicles need attention.</strong> ${d.trips.length} trips, ${num1(km)} km. Data as of ${asOf}.</p>

<h2 id="attention-heading">Needs attention</h2>
<p class="muted">Flagged vehicles first, most severe first (offline and battery below the cut-off count 3, an active DTC or the vampire-drain watchlist 2, stale or a day below ${COMPLETENESS_MIN} completeness 1). Freshness is measured against the newest sample (as of above): <span class="state live">live</span> a sample within ${LIVE_MS / 60_000} min, <span class="state stale">stale</span> within ${OFFLINE_MS / 60_000} min, <span class="state offline">offline</span> longer. Battery is the latest reading; below ${CUTOFF_V} V a parked unit stops sending. Click a column header to sort.</p>
<div class="wide">${attentionTable(statuses)}</div>

<h2 id="map-heading">Trips on the map</h2>
<p class="muted">One line per vehicle (its trips), a dot at each trip start; hover for the vehicle, times and distance. Outlines: Natural Earth via world-atlas; Mercator.</p>
<div id="map">${tripMap({ tracks: d.tracks, trips: d.trips, vehicleIds: ids })}</div>

<h2 id="battery-heading">Battery</h2>
<div id="battery">${batterySection(d, ids)}</div>

<h2 id="trips-heading">Trips</h2>
<div class="scroll">${tripsSection(d)}</div>

<h2 id="dtc-heading">Diagnostic trouble codes</h2>
<p class="muted">active_dtcs: codes seen in the range, per vehicle and code.</p>
${queryTable('dtcs', d.activeDtcs, 'No trouble codes in this range.')}
<h2 id="vampire-heading">Vampire drain watchlist</h2>
<p class="muted">vampire_drain_watchlist: low-voltage events while parked, or parked voltage falling by 0.2 V or more over the range.</p>
${queryTable('vampire-drain', d.vampireDrain, 'No vehicle on the watchlist in this range.')}

<h2 id="pipeline-heading">Pipeline health</h2>
${pipelineSection(d)}
<script>${SCRIPT}</script>
</body></html>
`;
}
