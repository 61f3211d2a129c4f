import { describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REQUIRED_KEYS } from './run';

const REPO = path.resolve(import.meta.dirname, '..');

// The harness works end to end (`--quick`, into a temp dir): every key exists and is positive. No speed is asserted.
describe('npm run bench -- --quick', () => {
  test('writes latest.json and latest.md with every key, all positive; leaves bench/results alone', () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'fleetlake-bench-test-'));
    const committed = path.join(REPO, 'bench', 'results', 'latest.json');
    const before = fs.existsSync(committed) ? fs.readFileSync(committed, 'utf8') : null;
    try {
      execFileSync(process.execPath, [path.join(REPO, 'local/cli/fleetlake.js'), 'bench', '--quick', '--out', out], { cwd: REPO, stdio: ['ignore', 'ignore', 'pipe'], timeout: 280_000 });
      const r = JSON.parse(fs.readFileSync(path.join(out, 'latest.json'), 'utf8')) as Record<string, unknown>;
      expect(r.mode).toBe('quick');
      expect(r.missing_keys).toEqual([]);
      for (const k of REQUIRED_KEYS) {
        const v = r[k];
        if (k === 'query_ms') {
          const q = v as Record<string, number>;
          expect(Object.keys(q)).toEqual(expect.arrayContaining(['fleet_daily_summary', 'silver_full_scan']));
          for (const ms of Object.values(q)) expect(ms).toBeGreaterThan(0);
        } else {
          expect([k, typeof v]).toEqual([k, 'number']);
          expect(v as number).toBeGreaterThan(0);
        }
      }
      const machine = r.machine as { cores: number; node: string };
      expect(machine.cores).toBeGreaterThan(0);
      expect(machine.node).toBe(process.version);
      // nothing lost between the publisher and silver
      expect(r.clean_rows).toBe(r.samples);
      expect(r.peer_rows).toBe(r.samples);
      expect(fs.readFileSync(path.join(out, 'latest.md'), 'utf8')).toMatch(/\| P2 clean \/ peer \| \d+\.\d\d \|/);
      if (before !== null) expect(fs.readFileSync(committed, 'utf8')).toBe(before);
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  }, 300_000);
});
