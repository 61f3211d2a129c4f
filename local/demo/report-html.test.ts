import { batteryChart, renderReport, tripMap } from './report-html';
import type { ReportData } from './report-data';

const data: ReportData = {
  generatedAt: '2026-03-02T00:00:00.000Z',
  summary: { vehicles: 2, samples: 1000, trips: 3, distanceKm: 42.5, quarantined: 10, lowVoltageEvents: 1 },
  tracks: [
    { vehicleId: 'V1', tripId: 'V1-1', points: [[4.0, 52.0], [4.1, 52.05], [4.2, 52.1]] },
    { vehicleId: 'V2', tripId: 'V2-1', points: [[4.3, 52.2], [4.35, 52.25]] },
  ],
  battery: [{ vehicleId: 'V1', points: [[0, 12.6], [3_600_000, 11.2]] }],
  dailyDistance: [{ dt: '2026-03-01', km: 42.5 }],
  quarantine: [{ reason: 'out_of_range', count: 7 }, { reason: "<x>", count: 3 }],
};

test('renders the four plots as SVG paths and the KPIs', () => {
  const html = renderReport(data);
  for (const id of ['trip-map', 'battery-chart', 'distance-chart', 'quarantine-chart']) expect(html).toContain(`<svg id="${id}"`);
  expect(html.match(/class="track" d="M/g)).toHaveLength(2);
  expect(html).toContain('10 (0.99 %)'); // 10 of 1010 records
  expect(html).toContain('&#60;x&#62;'); // escaped
  expect(html).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org)/); // self-contained
});

test('the map keeps aspect ratio and bounds inside the view box', () => {
  const coords = [...tripMap(data.tracks).matchAll(/[ML]([\d.]+),([\d.]+)/g)].map((m) => [Number(m[1]), Number(m[2])]);
  expect(coords.length).toBe(5);
  for (const [x, y] of coords) {
    expect(x).toBeGreaterThanOrEqual(0);
    expect(x).toBeLessThanOrEqual(760);
    expect(y).toBeGreaterThanOrEqual(0);
    expect(y).toBeLessThanOrEqual(300);
  }
});

test('the battery chart draws the 11.5 V line between the series values', () => {
  const svg = batteryChart(data.battery);
  const yLow = Number(svg.match(/class="threshold" [^>]*y1="([\d.]+)"/)![1]);
  const [, y126, , y112] = svg.match(/class="series" d="M[\d.]+,([\d.]+)L([\d.]+),([\d.]+)"/)!.map(Number);
  expect(yLow).toBeGreaterThan(y126!); // 11.5 V is below 12.6 V (larger y)
  expect(yLow).toBeLessThan(y112!); // and above 11.2 V
});

test('empty data renders a message instead of a broken chart', () => {
  expect(tripMap([])).toContain('no GPS tracks');
});

test('a vehicle has the same colour on the map and in the battery chart', () => {
  const html = renderReport({ ...data, battery: [{ vehicleId: 'V0', points: [[0, 12], [1, 12]] }, { vehicleId: 'V2', points: [[0, 13], [1, 13]] }] });
  const mapColor = html.match(/class="track" d="[^"]+" stroke="([^"]+)"><title>V2-1/)![1];
  const batteryColor = html.match(/class="series" d="[^"]+" stroke="([^"]+)"><title>V2</)![1];
  expect(mapColor).toBe(batteryColor);
});
