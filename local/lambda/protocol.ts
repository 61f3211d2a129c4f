/** Messages between the pool (main thread) and a worker (local/lambda/worker.ts). */
export interface InvokeRequest {
  type?: 'invoke';
  id: number;
  module: string;
  exportName: string;
  functionName: string;
  functionArn: string;
  requestId: string;
  memoryMb: number;
  timeoutSeconds: number;
  environment: Record<string, string>;
  event: unknown;
}

export type InvokeResponse =
  | { id: number; ok: true; result: unknown; output: string }
  | { id: number; ok: false; errorType: string; errorMessage: string; stack?: string; output: string };

/** Imports handler modules ahead of the first invocation (a provisioned-concurrency-like cold start). */
export interface WarmRequest {
  type: 'warm';
  modules: Array<{ module: string; environment: Record<string, string> }>;
}
