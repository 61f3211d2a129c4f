import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { intVar, readSettings } from '../commons/env';
import { powertools } from '../commons/powertools';
import { openStore } from '../../lib/store';
import { plan, type PlanEvent } from '../../lib/pipeline/plan';

const settings = readSettings({
  settleSeconds: intVar('PLAN_SETTLE_SECONDS'),
  lookbackHours: intVar('PLAN_LOOKBACK_HOURS'),
  maxObjectsPerItem: intVar('PLAN_MAX_OBJECTS_PER_ITEM', undefined, 1),
  maxBytesPerItem: intVar('PLAN_MAX_BYTES_PER_ITEM', undefined, 1),
  maxItems: intVar('PLAN_MAX_ITEMS', undefined, 1),
  maxItemsPayloadBytes: intVar('PLAN_MAX_ITEMS_PAYLOAD_BYTES', undefined, 1024),
  maxDates: intVar('PLAN_MAX_DATES', undefined, 1),
  featuresIntervalMinutes: intVar('FEATURES_INTERVAL_MINUTES'),
});
const { logger } = powertools('plan');
const bronze = openStore('bronze');
const silver = openStore('silver');

export const handler = middy(async (event: PlanEvent) => {
  const result = await plan(event, { bronze, silver, now: new Date(), settings });
  logger.info('planned', {
    mode: result.mode,
    window: result.window,
    objects: result.objects,
    bytes: result.bytes,
    items: result.items.length,
    dates: result.dates,
    features_due: result.features_due,
    pending: result.pending,
    continued: result.continuation !== null,
  });
  return result;
}).use(injectLambdaContext(logger));
