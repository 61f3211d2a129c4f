import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import schema from './telemetry.v1.schema.json' with { type: 'json' };

/** ISO-8601 date-time with an explicit zone: Z or ±hh:mm. */
const ISO_WITH_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})$/i;

export function isIsoDateTimeWithZone(s: string): boolean {
  return ISO_WITH_ZONE.test(s) && !Number.isNaN(Date.parse(s));
}

export interface ContractValidator {
  /** Validates one sample (vehicle_id required) as it would stand alone on the topic. */
  sample: ValidateFunction;
  /** Validates a whole message: a sample or an envelope of 1-500 samples. */
  message: ValidateFunction;
}

let cached: ContractValidator | undefined;

/** Compiled once per process: ajv compilation costs milliseconds, validation costs microseconds. */
export function contractValidator(): ContractValidator {
  if (cached) return cached;
  const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
  ajv.addFormat('iso-date-time-with-zone', { type: 'string', validate: isIsoDateTimeWithZone });
  for (const k of ['x-unit', 'x-silver-type', 'x-max-payload-bytes', 'x-topic']) ajv.addKeyword(k);
  ajv.addSchema(schema);
  cached = {
    sample: ajv.getSchema(`${schema.$id}#/$defs/sample`)!,
    message: ajv.getSchema(schema.$id)!,
  };
  return cached;
}

export type { ErrorObject };
