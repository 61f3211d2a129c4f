import net from 'node:net';
import path from 'node:path';
import { Aedes } from 'aedes';
import { projectMessage, ruleTopicVehicleId } from '../../lib/ingest/rule';
import { FsObjectStore } from '../../lib/store';
import { LandingWriter, type LandingCounters } from './landing';
import { bridgeMqtt5, connectProtocolLevel } from './mqtt5';

export interface IngestOptions {
  /** Lake directory; objects land in `<lake>/bronze/telemetry/...`. */
  lake: string;
  /** 0 picks a free port. Default 1883. */
  port?: number;
  host?: string;
  /** Buffer size hint in MiB (uncompressed). Default 5. */
  bufferMb?: number;
  /** Buffer interval hint in seconds. Default 5. */
  bufferSeconds?: number;
  /** One summary line this often (ms); 0 disables. Default 5000. */
  summaryEveryMs?: number;
  log?: (line: string) => void;
}

export interface IngestCounters extends LandingCounters {
  /** Messages accepted on the telemetry topics. */
  messages: number;
  samples: number;
  /** Messages that were not a JSON object (landed raw). */
  invalid: number;
  /** Payload bytes received. */
  payloadBytes: number;
  /** Messages on other topics (not matched by the rule, not landed). */
  ignored: number;
}

export interface IngestServer {
  host: string;
  port: number;
  counters(): IngestCounters;
  /** Stops accepting, flushes everything received, closes. Idempotent. */
  stop(): Promise<IngestCounters>;
}

/** The local ingest: embedded MQTT broker (aedes) + the rule projection + the Firehose-style landing. */
export async function startIngest(options: IngestOptions): Promise<IngestServer> {
  const host = options.host ?? '127.0.0.1';
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const landing = new LandingWriter({
    store: new FsObjectStore(path.join(options.lake, 'bronze')),
    maxBytes: Math.round((options.bufferMb ?? 5) * 1024 * 1024),
    intervalMs: Math.round((options.bufferSeconds ?? 5) * 1000),
  });
  const c = { messages: 0, samples: 0, invalid: 0, payloadBytes: 0, ignored: 0 };
  const counters = (): IngestCounters => ({ ...c, ...landing.counters });

  // Land in authorizePublish: aedes calls it for every client PUBLISH before it acks (aedes 1.x writes the
  // QoS 1 PUBACK before it emits 'publish', and skips the emit when the client has already disconnected).
  const broker = await Aedes.createBroker({
    authorizePublish: (client, packet, callback) => {
      if (client) land(packet.topic, packet.payload);
      callback(null);
    },
  });
  const land = (topic: string, body: Buffer | string) => {
    const vehicleId = ruleTopicVehicleId(topic);
    if (vehicleId === null) {
      c.ignored += 1;
      return;
    }
    const now = Date.now();
    const payload = typeof body === 'string' ? Buffer.from(body) : body;
    const p = projectMessage(vehicleId, payload, now);
    c.messages += 1;
    c.samples += p.samples;
    c.payloadBytes += payload.length;
    if (!p.valid) c.invalid += 1;
    landing.add(p.line, now);
  };

  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    let head = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      const level = connectProtocolLevel(head);
      if (level === null && head.length < 512) return;
      socket.off('data', onData);
      socket.pause();
      if (level === 5) bridgeMqtt5(socket, head, (s) => broker.handle(s));
      else {
        socket.unshift(head);
        broker.handle(socket);
      }
    };
    socket.on('data', onData);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 1883, host, () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;

  const ticker = setInterval(() => landing.tick(), 200);
  let last = { at: Date.now(), messages: 0, samples: 0 };
  const summary = (final = false) => {
    const now = Date.now();
    const k = counters();
    const secs = Math.max(0.001, (now - last.at) / 1000);
    if (!final && k.messages === last.messages) return;
    log(
      `ingest: ${fmt((k.messages - last.messages) / secs)} msg/s, ${fmt((k.samples - last.samples) / secs)} samples/s | ` +
        `${k.messages} msgs, ${k.samples} samples, ${k.invalid} invalid, ${mb(k.payloadBytes)} in | ${k.objects} objects, ${mb(k.gzBytes)} gz written`,
    );
    last = { at: now, messages: k.messages, samples: k.samples };
  };
  const summaryEvery = options.summaryEveryMs ?? 5000;
  const summaryTimer = summaryEvery > 0 ? setInterval(() => summary(), summaryEvery) : undefined;

  let stopping: Promise<IngestCounters> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      clearInterval(ticker);
      if (summaryTimer) clearInterval(summaryTimer);
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Let clients' in-flight packets be parsed before the connections close.
      for (const s of sockets) s.end();
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      for (const s of sockets) s.destroy();
      await closed;
      await landing.flush();
      if (summaryEvery > 0) summary(true);
      return counters();
    })());

  return { host, port, counters, stop };
}

const fmt = (n: number) => (n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : n >= 1e4 ? `${(n / 1e3).toFixed(1)}k` : n.toFixed(0));
const mb = (n: number) => `${(n / 1048576).toFixed(1)} MB`;
