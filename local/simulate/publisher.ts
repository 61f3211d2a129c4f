import mqtt, { type IClientOptions } from 'mqtt';
import { generateMessages, type FleetOptions } from '../../lib/simulate/fleet';
import { startTsWorker } from '../ts-worker';

export interface PublishOptions extends FleetOptions {
  /** mqtt://host:port or mqtts://host:8883 */
  broker: string;
  /** Pace by virtual time (1 virtual second per second) instead of as fast as the broker accepts. */
  realtime?: boolean;
  /** QoS 1 messages in flight at most (flow control). Default 256. */
  inFlight?: number;
  qos?: 0 | 1;
  /** TLS client certificate, key and CA (PEM contents) for AWS IoT Core. */
  tls?: { cert: Buffer; key: Buffer; ca?: Buffer };
  clientId?: string;
  protocolVersion?: 4 | 5;
  onProgress?: (virtualMs: number, counters: PublishCounters) => void;
}

export interface PublishCounters {
  vehicles: number;
  messages: number;
  samples: number;
  bytes: number;
  /** Virtual time covered (ms). */
  virtualSpanMs: number;
  seconds: number;
}

/** Runs the simulator against a broker: generates in virtual time, publishes with a bounded in-flight window. */
export async function publishFleet(o: PublishOptions): Promise<PublishCounters> {
  const options: IClientOptions = {
    protocolVersion: o.protocolVersion ?? 4,
    clientId: o.clientId ?? `fleetlake-sim-${process.pid}`,
    reconnectPeriod: 0,
    connectTimeout: 15_000,
  };
  if (o.tls) Object.assign(options, { cert: o.tls.cert, key: o.tls.key, ca: o.tls.ca, rejectUnauthorized: true });
  const client = await mqtt.connectAsync(o.broker, options);
  const qos = o.qos ?? 1;
  const window = Math.max(1, o.inFlight ?? 256);
  const c: PublishCounters = { vehicles: o.vehicles, messages: 0, samples: 0, bytes: 0, virtualSpanMs: 0, seconds: 0 };
  const started = performance.now();
  let inFlight = 0;
  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  const settle = (err?: Error) => {
    inFlight -= 1;
    if (err) failure ??= err;
    if (wake && inFlight < window) {
      const w = wake;
      wake = undefined;
      w();
    }
  };
  let lastProgress = 0;
  try {
    for (const m of generateMessages(o)) {
      if (failure) throw failure;
      if (o.realtime) {
        const lagMs = m.at - o.start - (performance.now() - started);
        if (lagMs > 5) await new Promise((r) => setTimeout(r, lagMs));
      }
      while (inFlight >= window) await new Promise<void>((r) => (wake = r));
      const body = JSON.stringify(m.payload);
      inFlight += 1;
      client.publish(m.topic, body, { qos }, (err) => settle(err ?? undefined));
      c.messages += 1;
      c.samples += m.samples;
      c.bytes += body.length;
      c.virtualSpanMs = m.at - o.start;
      if (o.onProgress && c.messages - lastProgress >= 500) {
        lastProgress = c.messages;
        o.onProgress(c.virtualSpanMs, c);
      }
      // QoS 0 has no acks: yield to the event loop now and then so the socket drains.
      if (qos === 0 && c.messages % 64 === 0) await new Promise((r) => setImmediate(r));
    }
    while (inFlight > 0) await new Promise<void>((r) => (wake = r));
    if (failure) throw failure;
  } finally {
    await client.endAsync();
  }
  c.virtualSpanMs = o.durationMs;
  c.seconds = (performance.now() - started) / 1000;
  return c;
}

/** publishFleet in a worker thread (the broker keeps the calling thread); same result, progress via the callback. */
export function publishFleetInWorker(o: PublishOptions): Promise<PublishCounters> {
  const { onProgress, tls, ...data } = o;
  if (tls) throw new Error('publishFleetInWorker: TLS options are not passed to the worker; use publishFleet');
  const worker = startTsWorker(new URL('./publisher.worker.ts', import.meta.url), { workerData: data });
  return new Promise((resolve, reject) => {
    type Message = { type: 'progress'; virtualMs: number; counters: PublishCounters } | { type: 'done'; counters: PublishCounters } | { type: 'error'; message: string };
    worker.on('message', (m: Message) => {
      if (m.type === 'progress') onProgress?.(m.virtualMs, m.counters);
      else {
        void worker.terminate();
        if (m.type === 'done') resolve(m.counters);
        else reject(new Error(`simulator: ${m.message}`));
      }
    });
    worker.on('error', reject);
    worker.on('exit', (code) => code !== 0 && reject(new Error(`simulator worker exited with code ${code}`)));
  });
}
