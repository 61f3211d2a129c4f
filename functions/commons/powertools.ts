import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';

/** One Logger and one Metrics per function (namespace `fleetlake`, dimensions `stage` and `function`). */
export function powertools(functionName: string): { logger: Logger; metrics: Metrics } {
  const stage = process.env.STAGE ?? 'local';
  const logger = new Logger({ serviceName: 'fleetlake', persistentKeys: { stage, function: functionName } });
  const metrics = new Metrics({
    namespace: 'fleetlake',
    serviceName: 'fleetlake',
    defaultDimensions: { stage, function: functionName },
  });
  return { logger, metrics };
}
