import { describe, expect, test } from '@jest/globals';
import { execFileSync, spawnSync } from 'node:child_process';
import path from 'node:path';

const CLI = path.resolve(import.meta.dirname, '../fleetlake.js');

describe('fleetlake cost', () => {
  test('--format json: items add up, Basic Ingest has no messaging, defaults are named when there is no bench file', () => {
    const out = execFileSync('node', [CLI, 'cost', '--vehicles', '1000', '--basic-ingest', '--format', 'json', '--bench', '/nonexistent/latest.json'], { encoding: 'utf8' });
    const r = JSON.parse(out) as { items: Array<{ service: string; item: string; monthly: number }>; total_usd_month: number; per_vehicle_usd_month: number; figures: { source: string } };
    const sum = r.items.reduce((s, i) => s + i.monthly, 0);
    expect(r.total_usd_month).toBeCloseTo(sum, 9);
    expect(r.per_vehicle_usd_month).toBeCloseTo(sum / 1000, 12);
    expect(r.items.find((i) => i.item === 'messaging')?.monthly).toBe(0);
    expect(r.figures.source).toMatch(/documented defaults.*no \/nonexistent\/latest\.json/);
  });

  test('bad usage exits 2', () => {
    const res = spawnSync('node', [CLI, 'cost', '--vehicles', '0'], { encoding: 'utf8' });
    expect(res.status).toBe(2);
    expect(res.stderr).toMatch(/--vehicles must be a number > 0/);
    const region = spawnSync('node', [CLI, 'cost', '--vehicles', '10', '--region', 'mars-1'], { encoding: 'utf8' });
    expect(region.status).toBe(2);
  });
});
