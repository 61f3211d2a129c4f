/**
 * The bench publisher, a process of its own: replays the generated fleet (`topic<TAB>payload` lines, made
 * with lib/simulate) over loopback MQTT with QoS 1, as fast as the broker acknowledges (a bounded window).
 *   node --import tsx bench/publisher.ts <mqtt-url> <messages.tsv>
 * Prints one JSON line when connected ({"event":"start"}) and one when every PUBACK is in ({"event":"done",...}).
 */
import fs from 'node:fs';
import mqtt from 'mqtt';

const [url, file] = process.argv.slice(2);
if (!url || !file) throw new Error('usage: publisher.ts <mqtt-url> <messages.tsv>');

const HIGH = 1000; // in-flight window: enough to keep the broker busy, bounded memory
const client = await mqtt.connectAsync(url, { protocolVersion: 4, clientId: `fleetlake-bench-${process.pid}`, clean: true, reconnectPeriod: 0 });
const out = (o: unknown) => process.stdout.write(`${JSON.stringify(o)}\n`);
out({ event: 'start', at: Date.now() });

let inflight = 0;
let messages = 0;
let failure: Error | undefined;
let wake: (() => void) | undefined;
const settle = () => {
  const w = wake;
  wake = undefined;
  w?.();
};
/** One `topic<TAB>payload` line; the payload goes out as the file's bytes (no string round trip). */
const publish = (line: Buffer) => {
  const tab = line.indexOf(9);
  inflight += 1;
  messages += 1;
  client.publish(line.toString('latin1', 0, tab), line.subarray(tab + 1), { qos: 1 }, (err) => {
    inflight -= 1;
    if (err) failure ??= err;
    if (inflight <= HIGH / 2) settle();
  });
};

let rest: Buffer = Buffer.alloc(0);
for await (const chunk of fs.createReadStream(file, { highWaterMark: 1 << 20 })) {
  const buf = rest.length ? Buffer.concat([rest, chunk as Buffer]) : (chunk as Buffer);
  let start = 0;
  for (let nl = buf.indexOf(10); nl >= 0; nl = buf.indexOf(10, start)) {
    if (nl > start) publish(buf.subarray(start, nl));
    start = nl + 1;
    if (failure) throw failure;
    if (inflight >= HIGH) await new Promise<void>((r) => (wake = r));
  }
  rest = buf.subarray(start);
}
if (rest.length) publish(rest);
while (inflight > 0) await new Promise<void>((r) => (wake = r));
if (failure) throw failure;
await client.endAsync();
out({ event: 'done', at: Date.now(), messages });
