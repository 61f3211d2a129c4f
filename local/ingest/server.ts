import net from 'node:net';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import { Aedes } from 'aedes';
import { projectMessageParts, ruleTopicVehicleId } from '../../lib/ingest/rule';
import { FsObjectStore } from '../../lib/store';
import { gateOutput } from './ack-gate';
import { Landing, type LandingCounters } from './landing';
import { IngestMetrics, serveMetrics } from './metrics';
import { bridgeMqtt5, connectProtocolLevel } from './mqtt5';
import { lockIngest, WAL_DIR } from './wal';

export interface IngestOptions {
  /** Lake directory; objects land in `<lake>/bronze/telemetry/...`, the WAL is `<lake>/_ingest/wal/`. */
  lake: string;
  /** 0 picks a free port. Default 1883. */
  port?: number;
  host?: string;
  /** Buffer size hint in MiB (uncompressed). Default 5. */
  bufferMb?: number;
  /** Buffer interval hint in seconds. Default 5. */
  bufferSeconds?: number;
  /** Acknowledge a message only once it is on disk in the write-ahead log. Default true. */
  wal?: boolean;
  /** A connection that has not sent CONNECT this long after it opened is closed. Default 10,000 ms. */
  connectTimeoutMs?: number;
  /** Serve Prometheus metrics on `http://<host>:<metricsPort>/metrics` (0 = a free port). Default: off. */
  metricsPort?: number;
  /** Wait before retrying a failed WAL or bronze write. Default 1000 ms. */
  retryMs?: number;
  /** One summary line this often (ms); 0 disables. Default 5000. */
  summaryEveryMs?: number;
  log?: (line: string) => void;
}

export interface IngestCounters extends LandingCounters {
  /** Messages accepted on the telemetry topics. */
  messages: number;
  samples: number;
  /** Messages that were not a JSON object, or nested too deep (landed raw). */
  invalid: number;
  /** Payload bytes received. */
  payloadBytes: number;
  /** Messages on other topics (not matched by the rule, not landed). */
  ignored: number;
  /** Connections closed because no CONNECT came in time. */
  connectTimeouts: number;
}

export interface IngestServer {
  host: string;
  port: number;
  /** The metrics endpoint's port, when `metricsPort` was given. */
  metricsPort?: number;
  counters(): IngestCounters;
  /** Stops accepting, commits and lands everything received, closes. Idempotent. */
  stop(): Promise<IngestCounters>;
}

/** The local ingest: embedded MQTT broker (aedes) + the rule projection + the WAL and Firehose-style landing. */
export async function startIngest(options: IngestOptions): Promise<IngestServer> {
  const host = options.host ?? '127.0.0.1';
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const unlock = await lockIngest(options.lake);
  let metrics: IngestMetrics | undefined;
  const landing = new Landing({
    store: new FsObjectStore(path.join(options.lake, 'bronze')),
    walDir: options.wal === false ? undefined : path.join(options.lake, WAL_DIR),
    maxBytes: Math.round((options.bufferMb ?? 5) * 1024 * 1024),
    intervalMs: Math.round((options.bufferSeconds ?? 5) * 1000),
    retryMs: options.retryMs,
    log,
    onCommit: (s, n) => metrics?.observeCommit(s, n),
    onLanded: (s) => metrics?.observeFlush(s),
  });
  const c = { messages: 0, samples: 0, invalid: 0, payloadBytes: 0, ignored: 0, connectTimeouts: 0 };
  const counters = (): IngestCounters => ({ ...c, ...landing.counters });
  try {
    await landing.replay();
  } catch (err) {
    await unlock();
    throw err;
  }
  if (landing.counters.replayedRecords || landing.counters.replayedLanded) {
    const k = landing.counters;
    log(`ingest: replayed the WAL a previous run left: ${k.replayedRecords} messages into ${k.replayedObjects} bronze objects (${k.replayedLanded} segments were landed already)`);
  }

  /** Connections that have not sent CONNECT yet → their timer (keyed by the stream aedes reads). */
  const awaitingConnect = new Map<Duplex, NodeJS.Timeout>();
  // Land in authorizePublish: aedes calls it for every client PUBLISH, then writes the QoS 1 PUBACK (QoS 2
  // PUBREC). With the WAL, the connection's output is gated (ack-gate.ts): the PUBACK leaves once the message's
  // group commit is durable. While the WAL fails or lags, the callback itself waits, so aedes stops reading.
  const broker = await Aedes.createBroker({
    preConnect: (client, _packet, callback) => {
      const conn = (client as unknown as { conn: Duplex }).conn;
      clearTimeout(awaitingConnect.get(conn));
      awaitingConnect.delete(conn);
      callback(null, true);
    },
    authorizePublish: (client, packet, callback) => {
      if (!client) return callback(null);
      const vehicleId = ruleTopicVehicleId(packet.topic);
      if (vehicleId === null) {
        c.ignored += 1;
        return callback(null);
      }
      if (packet.qos === 2) {
        // A resent QoS 2 message that aedes stored already was landed before: only PUBREC it again.
        (broker as unknown as { persistence: { incomingGetPacket(c: unknown, p: unknown): Promise<unknown> } }).persistence.incomingGetPacket(client, packet).then(
          () => callback(null),
          () => land(vehicleId, packet.payload, callback),
        );
        return;
      }
      land(vehicleId, packet.payload, callback);
    },
  });
  const land = (vehicleId: string, body: Buffer | string, callback: (err: null) => void) => {
    const now = Date.now();
    const payload = typeof body === 'string' ? Buffer.from(body) : body;
    const p = projectMessageParts(vehicleId, payload, now);
    c.messages += 1;
    c.samples += p.samples;
    c.payloadBytes += payload.length;
    if (!p.valid) c.invalid += 1;
    const seq = landing.add(p, now);
    if (landing.backlogged) landing.whenDurable(seq, () => callback(null));
    else callback(null);
  };
  /** The stream aedes reads and writes for a connection: with the WAL, its output waits for durability. */
  const brokerSide = (conn: Duplex, head?: Buffer): Duplex => {
    if (landing.durable) return gateOutput(conn, landing, head);
    if (head) conn.unshift(head);
    return conn;
  };

  const connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    let stream: Duplex = socket;
    const timer = setTimeout(() => {
      c.connectTimeouts += 1;
      awaitingConnect.delete(stream);
      socket.destroy();
    }, connectTimeoutMs);
    awaitingConnect.set(stream, timer);
    socket.on('close', () => {
      sockets.delete(socket);
      clearTimeout(awaitingConnect.get(stream));
      awaitingConnect.delete(stream);
    });
    socket.on('error', () => socket.destroy());
    let head = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      const level = connectProtocolLevel(head);
      if (level === null && head.length < 512) return;
      socket.off('data', onData);
      socket.pause();
      const handle = (conn: Duplex, first?: Buffer) => {
        awaitingConnect.delete(stream);
        stream = brokerSide(conn, first);
        awaitingConnect.set(stream, timer);
        broker.handle(stream);
      };
      if (level === 5) bridgeMqtt5(socket, head, (s) => handle(s));
      else handle(socket, head);
    };
    socket.on('data', onData);
  });
  let metricsServer: Awaited<ReturnType<typeof serveMetrics>> | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 1883, host, () => resolve());
    });
    if (options.metricsPort !== undefined) {
      metrics = new IngestMetrics({ counters, connectedClients: () => broker.connectedClients, pendingMessages: () => landing.pendingRecords });
      metricsServer = await serveMetrics(metrics.registry, host, options.metricsPort);
    }
  } catch (err) {
    // A port in use: nothing was accepted; release the lake for the next try.
    server.close();
    await new Promise<void>((resolve) => broker.close(() => resolve()));
    await landing.close();
    await unlock();
    throw err;
  }
  const port = (server.address() as net.AddressInfo).port;

  const ticker = setInterval(() => landing.tick(), 200);
  let last = { at: Date.now(), messages: 0, samples: 0, failures: 0 };
  const summary = (final = false) => {
    const now = Date.now();
    const k = counters();
    const secs = Math.max(0.001, (now - last.at) / 1000);
    const failures = k.walFailures + k.landingFailures;
    if (!final && k.messages === last.messages && failures === last.failures) return;
    log(
      `ingest: ${fmt((k.messages - last.messages) / secs)} msg/s, ${fmt((k.samples - last.samples) / secs)} samples/s | ` +
        `${k.messages} msgs, ${k.samples} samples, ${k.invalid} invalid, ${mb(k.payloadBytes)} in | ${k.objects} objects, ${mb(k.gzBytes)} gz written | ` +
        `${landing.durable ? `WAL ${k.walCommits} commits` : 'no WAL'}; failed writes: ${k.walFailures} WAL, ${k.landingFailures} bronze; ${k.refusedAcks} acks refused`,
    );
    last = { at: now, messages: k.messages, samples: k.samples, failures };
  };
  const summaryEvery = options.summaryEveryMs ?? 5000;
  const summaryTimer = summaryEvery > 0 ? setInterval(() => summary(), summaryEvery) : undefined;

  let stopping: Promise<IngestCounters> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      clearInterval(ticker);
      if (summaryTimer) clearInterval(summaryTimer);
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Acknowledge what has arrived, then let clients' in-flight packets be parsed before the connections close.
      await landing.commitPending();
      for (const s of sockets) s.end();
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      for (const s of sockets) s.destroy();
      for (const t of awaitingConnect.values()) clearTimeout(t);
      await closed;
      try {
        const { unacknowledged, segmentsLeft } = await landing.close();
        if (unacknowledged) log(`ingest: ${unacknowledged} messages were never acknowledged (the WAL could not be written); their clients send them again`);
        if (segmentsLeft) log(`ingest: ${segmentsLeft} WAL segments could not be landed in bronze; they stay in ${path.join(options.lake, WAL_DIR)} and land at the next start`);
      } finally {
        await metricsServer?.close();
        await unlock();
      }
      if (summaryEvery > 0) summary(true);
      return counters();
    })());

  return { host, port, metricsPort: metricsServer?.port, counters, stop };
}

const fmt = (n: number) => (n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : n >= 1e4 ? `${(n / 1e3).toFixed(1)}k` : n.toFixed(0));
const mb = (n: number) => `${(n / 1048576).toFixed(1)} MB`;
