import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { powertools } from '../commons/powertools';
import { openStore } from '../../lib/store';
import { commit, type CommitEvent } from '../../lib/pipeline/commit';

const { logger, metrics } = powertools('commit');
const silver = openStore('silver');

export const handler = middy(async (event: CommitEvent) => {
  const { summary, metrics: m } = await commit(event, { silver, now: new Date() });
  metrics.addMetric('PipelineRuns', MetricUnit.Count, m.PipelineRuns);
  metrics.addMetric('SamplesProcessed', MetricUnit.Count, m.SamplesProcessed);
  if (m.QuarantineRatio !== null) metrics.addMetric('QuarantineRatio', MetricUnit.Percent, m.QuarantineRatio);
  if (m.GoldLagSeconds !== null) metrics.addMetric('GoldLagSeconds', MetricUnit.Seconds, m.GoldLagSeconds);
  metrics.addMetadata('execution', summary.execution);
  logger.info('committed', { summary });
  return summary;
})
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics, { throwOnEmptyMetrics: true }));
