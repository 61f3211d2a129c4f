import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { IngestCounters } from './server';

/** What the metrics read at each scrape. */
export interface MetricsSource {
  counters(): IngestCounters;
  connectedClients(): number;
  pendingMessages(): number;
}

/** Counter names (without the `fleetlake_ingest_` prefix and `_total` suffix) → the counter field and help. */
const COUNTERS: Array<[string, keyof IngestCounters, string]> = [
  ['messages', 'messages', 'MQTT messages accepted on the telemetry topics'],
  ['samples', 'samples', 'samples in the accepted messages (an envelope counts its samples)'],
  ['invalid', 'invalid', 'messages landed raw: not a JSON object, or nested deeper than the contract allows'],
  ['ignored', 'ignored', 'messages on topics the rule does not match (not landed)'],
  ['payload_bytes', 'payloadBytes', 'payload bytes received on the telemetry topics'],
  ['objects_written', 'objects', 'bronze objects written'],
  ['object_bytes', 'gzBytes', 'gzip bytes of the bronze objects written'],
  ['wal_write_failures', 'walFailures', 'WAL writes that failed (disk full, I/O error)'],
  ['refused_acks', 'refusedAcks', 'messages whose acknowledgement was held back because their WAL write failed'],
  ['landing_failures', 'landingFailures', 'bronze object writes that failed (retried; the records stay in the WAL)'],
  ['connect_timeouts', 'connectTimeouts', 'connections closed for sending no CONNECT in time'],
  ['replayed_messages', 'replayedRecords', 'messages landed at start from the WAL a previous run left'],
];

/**
 * The ingest's Prometheus metrics, in a registry of its own: `fleetlake_ingest_*` counters read from the
 * ingest counters at each scrape, latency histograms observed as commits and objects complete, and the
 * prom-client default process metrics.
 */
export class IngestMetrics {
  readonly registry = new Registry();
  private readonly walSeconds: Histogram;
  private readonly walBatch: Histogram;
  private readonly flushSeconds: Histogram;

  constructor(source: MetricsSource) {
    const registers = [this.registry];
    for (const [name, field, help] of COUNTERS) {
      new Counter({
        name: `fleetlake_ingest_${name}_total`,
        help,
        registers,
        collect() {
          this.reset();
          this.inc(source.counters()[field]);
        },
      });
    }
    new Gauge({ name: 'fleetlake_ingest_connected_clients', help: 'MQTT clients connected', registers, collect() { this.set(source.connectedClients()); } });
    new Gauge({ name: 'fleetlake_ingest_pending_messages', help: 'messages waiting for their WAL commit (not acknowledged yet)', registers, collect() { this.set(source.pendingMessages()); } });
    this.walSeconds = new Histogram({
      name: 'fleetlake_ingest_wal_commit_seconds',
      help: 'one WAL group commit: its durable (O_DSYNC) write',
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers,
    });
    this.walBatch = new Histogram({
      name: 'fleetlake_ingest_wal_commit_messages',
      help: 'messages in one WAL group commit',
      buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000],
      registers,
    });
    this.flushSeconds = new Histogram({
      name: 'fleetlake_ingest_flush_seconds',
      help: 'one bronze object: gzip finished, written and fsynced',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    collectDefaultMetrics({ register: this.registry });
  }

  observeCommit(seconds: number, messages: number): void {
    this.walSeconds.observe(seconds);
    this.walBatch.observe(messages);
  }

  observeFlush(seconds: number): void {
    this.flushSeconds.observe(seconds);
  }
}

/** Serves `GET /metrics` (Prometheus text format) on host:port (0 = a free port). */
export async function serveMetrics(registry: Registry, host: string, port: number): Promise<{ port: number; close: () => Promise<void> }> {
  const server = http.createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: try GET /metrics\n');
      return;
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
      (err: Error) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`${err.message}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
