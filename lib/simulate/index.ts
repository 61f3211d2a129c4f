export { generateMessages, createFleet, vehicleId, idPrefixProblem, DEFAULT_ID_PREFIX, MAX_SAMPLES_PER_ENVELOPE, type FleetOptions, type SimMessage } from './fleet';
export { SamplingPolicy, type SamplingPolicyOptions } from './sampling-policy';
export { Vehicle, HARSH_ACCEL_G, HARSH_BRAKE_G, type SimSample } from './vehicle';
export { Rng } from './prng';
