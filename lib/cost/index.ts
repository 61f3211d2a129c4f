export * from './prices';
export * from './figures';
export * from './design';
export * from './model';
export * from './quotas';
export * from './format';
