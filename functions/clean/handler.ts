import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { cleanObjects, type CleanResult, type ObjectStats } from '../../lib/clean';
import { openStore } from '../../lib/store';
import { contractValidator } from '../../lib/contract/validator';
import { intVar, readSettings } from '../commons/env';
import { powertools } from '../commons/powertools';

/** One Map item of the pipeline: a batch of bronze keys (and the execution id, for the logs). */
export interface CleanEvent {
  keys: string[];
  execution_id?: string;
}

// Cold start: settings (fail fast), stores and Powertools, once per container.
const settings = readSettings({ maxLatenessDays: intVar('MAX_LATENESS_DAYS', 30, 1) });
const bronze = openStore('bronze');
const silver = openStore('silver');
const { logger, metrics } = powertools('clean');
contractValidator(); // compile the schema at cold start, not in the first invocation

function parseEvent(event: unknown): CleanEvent {
  const e = event as Partial<CleanEvent> | null;
  if (!e || !Array.isArray(e.keys) || !e.keys.every((k) => typeof k === 'string' && k.startsWith('telemetry/'))) {
    throw new TypeError('clean: event must be { "keys": ["telemetry/...", ...] } (bronze keys)');
  }
  return { keys: e.keys, ...(typeof e.execution_id === 'string' ? { execution_id: e.execution_id } : {}) };
}

function record(stats: ObjectStats): void {
  metrics.addMetric('SamplesIn', MetricUnit.Count, stats.samples);
  metrics.addMetric('SamplesValid', MetricUnit.Count, stats.valid);
  metrics.addMetric('SamplesQuarantined', MetricUnit.Count, stats.quarantined);
  metrics.addMetric('DuplicatesDropped', MetricUnit.Count, stats.duplicates);
  metrics.addMetric('BytesRead', MetricUnit.Bytes, stats.bytes_read);
  metrics.addMetric('ArrivalLagSeconds', MetricUnit.Seconds, stats.arrival_lag_max_s);
  // Reason is a bounded dimension (the contract's reason codes, lib/clean/reasons.ts); vehicle ids never become dimensions.
  for (const [reason, n] of Object.entries(stats.quarantined_by_reason)) {
    metrics.singleMetric().addDimension('Reason', reason).addMetric('SamplesQuarantined', MetricUnit.Count, n);
  }
  const { outputs, ...rest } = stats;
  logger.info('cleaned', { ...rest, outputs: outputs.length });
}

export async function clean(event: unknown): Promise<CleanResult> {
  const { keys, execution_id } = parseEvent(event);
  if (execution_id) logger.appendPersistentKeys({ execution_id });
  try {
    const result = await cleanObjects(keys, {
      bronze,
      silver,
      settings,
      onObject: record,
      onStart: (key) => logger.appendPersistentKeys({ source_key: key }),
    });
    logger.removePersistentKeys(['source_key']);
    logger.info('batch cleaned', { objects: result.objects.length, totals: result.totals, dates: result.dates });
    return result;
  } finally {
    logger.removePersistentKeys(['source_key', 'execution_id']);
  }
}

export const handler = middy(clean)
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics, { captureColdStartMetric: true, throwOnEmptyMetrics: false }));
