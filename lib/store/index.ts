import path from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { FsObjectStore } from './fs-store';
import { S3ObjectStore } from './s3-store';
import type { BucketRole, ObjectStore } from './object-store';

export * from './object-store';
export { FsObjectStore } from './fs-store';
export { S3ObjectStore } from './s3-store';

/** Env var that names the bucket of each role in AWS. */
export const BUCKET_ENV: Record<BucketRole, string> = {
  bronze: 'BRONZE_BUCKET',
  silver: 'SILVER_BUCKET',
  gold: 'GOLD_BUCKET',
  'athena-results': 'ATHENA_RESULTS_BUCKET',
};

let s3: S3Client | undefined;

/**
 * The one switch between runtimes for storage: `FLEETLAKE_LAKE` set means the
 * filesystem lake `<lake>/<role>`; otherwise the role's bucket env var names an S3 bucket.
 */
export function openStore(role: BucketRole, env: NodeJS.ProcessEnv = process.env): ObjectStore {
  const lake = env.FLEETLAKE_LAKE;
  if (lake) return new FsObjectStore(path.join(lake, role));
  const bucket = env[BUCKET_ENV[role]];
  if (!bucket) {
    throw new Error(`missing environment variable ${BUCKET_ENV[role]} (the ${role} bucket), and FLEETLAKE_LAKE is not set`);
  }
  s3 ??= new S3Client({});
  return new S3ObjectStore(s3, bucket);
}
