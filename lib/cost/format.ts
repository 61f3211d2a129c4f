import type { CostReport } from './model';
import { quotaChecks } from './quotas';

const usd = (n: number) => (n === 0 ? '$0' : n < 100 ? `$${n.toFixed(2)}` : `$${Math.round(n).toLocaleString('en-US')}`);
/** Per-vehicle figures: four decimals, so items of a tenth of a cent still show. */
const usd4 = (n: number) => (n === 0 ? '$0' : `$${n.toFixed(4)}`);
const qty = (n: number) =>
  n >= 1000 ? Math.round(n).toLocaleString('en-US') : n >= 10 ? n.toFixed(1) : n === 0 ? '0' : n.toPrecision(3);

function table(head: string[], rows: string[][], right: boolean[]): string {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => `| ${r.map((c, i) => (right[i] ? c.padStart(w[i] ?? 0) : c.padEnd(w[i] ?? 0))).join(' | ')} |`;
  const sep = `|${w.map((n, i) => (right[i] ? `${'-'.repeat(n + 1)}:` : `${'-'.repeat(n + 2)}`)).join('|')}|`;
  return [line(head), sep, ...rows.map(line)].join('\n');
}

/** The report as markdown tables (readable in a terminal and pasteable into docs). */
export function formatTable(r: CostReport): string {
  const f = r.fleet;
  const v = r.volumes;
  const head = [
    `fleetlake cost: ${f.vehicles.toLocaleString('en-US')} vehicles, ${f.hz} Hz, ${f.driveHours} h driving/day, ${f.batchSeconds} s envelopes, ${f.parkedBatchMinutes ? `${f.parkedBatchMinutes} min parked envelopes` : 'parked samples sent alone'}, ` +
      `${f.basicIngest ? 'Basic Ingest' : 'MQTT topic (messaging billed)'}, ${f.runsPerDay} runs/day (features ${qty(v.glueRunsPerDay)}/day), ${f.region}`,
    `prices: lib/cost/prices.json taken ${r.priceDate} (on-demand list prices, no free tier); month = ${r.assumptions.daysPerMonth} days; ` +
      `storage priced for ${r.assumptions.storageMonth === 1 ? 'month 1 (the lake is filling)' : `month ${r.assumptions.storageMonth} (steady state after a year of data)`}`,
    `volumes from: ${r.figures.source}`,
    `  per vehicle-day: ${qty(v.samplesPerVehicleDay)} samples, ${qty(v.messagesPerVehicleDay)} messages (${qty(v.driveMessagesPerVehicleDay)} envelopes of ~${qty(v.driveMessageBytes)} B, ${qty(v.parkedMessagesPerVehicleDay)} parked envelopes of ~${qty(v.parkedMessageBytes)} B)`,
    `  bytes per sample: raw ${r.figures.rawBytesPerSample.toFixed(1)}, bronze gz ${r.figures.bronzeBytesPerSample.toFixed(1)}, silver ${r.figures.silverBytesPerSample.toFixed(1)}, gold ${r.figures.goldBytesPerSample.toFixed(2)}`,
    `design: ${r.design.source}; ${r.design.sfnSource}`,
    '',
  ];
  const rows = r.items.map((i) => [i.service, i.item, qty(i.quantity), i.unit, usd(i.monthly), usd4(i.perVehicle)]);
  rows.push(['**total**', '', '', '', `**${usd(r.total)}**`, `**${usd4(r.perVehicle)}**`]);
  const body = table(['service', 'item', 'quantity/month', 'unit', 'fleet $/month', '$/vehicle-month'], rows, [false, false, true, false, true, true]);
  const notes = r.items.filter((i) => i.note).map((i) => `- ${i.service} ${i.item}: ${i.note}`);
  return [...head, body, '', ...notes, ''].join('\n');
}

export function formatQuotas(r: CostReport): string {
  const rows = quotaChecks(r).map((q) => [q.quota, qty(q.load), qty(q.limit), q.binds ? 'BINDS' : 'ok', q.arithmetic, q.remedy]);
  return table(['quota', 'peak load', 'limit', '', 'arithmetic', 'what to do'], rows, [false, true, true, false, false, false]);
}

export function toJson(r: CostReport): unknown {
  return {
    fleet: r.fleet,
    prices_taken: r.priceDate,
    figures: r.figures,
    design: r.design,
    assumptions: r.assumptions,
    volumes: r.volumes,
    items: r.items,
    total_usd_month: r.total,
    per_vehicle_usd_month: r.perVehicle,
    quotas: quotaChecks(r),
  };
}
