import { describe, expect, test } from '@jest/globals';
import { reconcile } from '../../../lib/pipeline/commit';
import type { ExecutionRecord } from '../../stepfunctions/history';
import type { PipelineSummary, RunPipelineResult } from '../../stepfunctions/run';
import { UnhealthyError } from '../errors';
import { exitCode } from '../program';
import { formatSummary, runOutcome } from './run';

const record = (status: ExecutionRecord['status'], extra: Partial<ExecutionRecord> = {}): ExecutionRecord => ({
  executionId: 'e1',
  executionArn: 'arn:aws:states:local:1:execution:m:e1',
  stateMachine: 'm',
  input: {},
  status,
  startedAt: '2026-03-01T10:00:00.000Z',
  stoppedAt: '2026-03-01T10:00:08.000Z',
  durationMs: 8092.7059,
  events: [],
  notifications: [],
  ...extra,
});

/** A run summary whose counts are `samples` in and `valid` + 1 quarantined out (reconciled by the real rule). */
function summary(samples: number, valid: number): PipelineSummary {
  const totals = { lines: 10, samples, valid, quarantined: 1, quarantined_by_reason: { out_of_range: 1 }, duplicates: 0, conflicts: 0, unknown_fields: 0, bytes_read: 100 };
  return { ...totals, executions: 1, objects: 5, dates_rebuilt: ['2026-03-01'], gold_pending: [], duration_seconds: 8.092705899999999, reconciliation: reconcile(totals) };
}
const result = (status: RunPipelineResult['status'], s: PipelineSummary | null, r = record(status)): RunPipelineResult => ({ status, executions: [r], summary: s });

describe('how `run` and `rerun` end', () => {
  test('succeeded and reconciled: exit 0', () => {
    expect(runOutcome(result('SUCCEEDED', summary(1401, 1400)))).toBeNull();
  });

  test('succeeded, but the counts do not reconcile: the lake is unhealthy, exit 3', () => {
    const outcome = runOutcome(result('SUCCEEDED', summary(1402, 1400)));
    expect(outcome).toBeInstanceOf(UnhealthyError);
    expect(outcome!.message).toBe("the run's counts do not reconcile: 1402 samples ≠ 1400 silver + 1 quarantine + 0 duplicates + 0 conflicts (DOES NOT RECONCILE: -1) (docs/runbook.md#local-runs-a-busy-lake-a-killed-run-a-full-disk)");
    expect(exitCode(outcome)).toBe(3);
  });

  test('a failed execution: its one-line error, exit 1', () => {
    const failed = record('FAILED', { error: 'States.TaskFailed', cause: '{"ErrorMessage":"IO Error: disk full\\nmore"}', events: [{ at: '', type: 'StateEntered', state: 'FeaturesFailed' }] });
    const outcome = runOutcome(result('FAILED', null, failed));
    expect(outcome!.message).toBe('execution e1 FAILED in Features: States.TaskFailed: IO Error: disk full');
    expect(exitCode(outcome)).toBe(1);
  });

  test('the summary table rounds the duration for display; the numbers stay integers', () => {
    const table = formatSummary(summary(1401, 1400), result('SUCCEEDED', null));
    expect(table).toMatch(/^samples {9}1401$/m); // keys padded to `reconciliation`
    expect(table).toMatch(/^ {2}out_of_range {2}1$/m);
    expect(table).toMatch(/^duration {8}8\.1 s$/m);
  });

  test('the gold pending under a features cadence is shown only when there is some', () => {
    const none = formatSummary(summary(1401, 1400), result('SUCCEEDED', null));
    expect(none).not.toMatch(/gold pending/);
    const deferred = formatSummary({ ...summary(1401, 1400), dates_rebuilt: [], gold_pending: ['2026-03-01', '2026-03-02'] }, result('SUCCEEDED', null));
    expect(deferred).toMatch(/^dates rebuilt {3}0$/m);
    expect(deferred).toMatch(/^gold pending {4}2 \(2026-03-01, 2026-03-02; built at the next due run/m);
  });
});
