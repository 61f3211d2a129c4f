export * from './rule';
export * from './firehose';
