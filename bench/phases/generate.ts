import fs from 'node:fs';
import path from 'node:path';
import { missingModules } from '../modules';
import { notMeasured, type BenchContext, type PhaseResult } from '../types';
import { seconds } from '../util';

/**
 * P0: the bench fleet, generated once with the simulator's models (lib/simulate: deterministic for the
 * seed and start) into `<work>/messages.tsv`, one `topic<TAB>payload` line per MQTT message, in publish
 * order. Generating ahead keeps the simulator's own speed out of the ingest figure; it is reported apart.
 */
export async function generatePhase(ctx: BenchContext): Promise<PhaseResult> {
  const missing = missingModules(ctx.repo, ['simulate']);
  if (missing.length) return notMeasured('P0 generate', `not measured (module missing: ${missing.join(', ')})`);
  const { generateMessages } = await import('../../lib/simulate/index');
  const file = path.join(ctx.work, 'messages.tsv');
  const fd = fs.openSync(file, 'w');
  let buf: string[] = [];
  let pending = 0;
  let messages = 0;
  let samples = 0;
  let payloadBytes = 0;
  const t0 = process.hrtime.bigint();
  try {
    for (const m of generateMessages({ vehicles: ctx.vehicles, start: Date.parse(ctx.start), durationMs: 86_400_000, hz: 10, seed: ctx.seed, batchMs: 1000 })) {
      const payload = JSON.stringify(m.payload);
      payloadBytes += Buffer.byteLength(payload);
      messages += 1;
      samples += m.samples;
      buf.push(`${m.topic}\t${payload}\n`);
      pending += payload.length;
      if (pending > 4 << 20) {
        fs.writeSync(fd, buf.join(''));
        buf = [];
        pending = 0;
      }
    }
    fs.writeSync(fd, buf.join(''));
  } finally {
    fs.closeSync(fd);
  }
  const secs = seconds(t0);
  ctx.shared.messagesFile = file;
  ctx.shared.generated = { messages, samples, payloadBytes };
  return {
    name: 'P0 generate',
    measured: true,
    seconds: secs,
    values: { generate_s: secs, generated_samples: samples, generated_messages: messages, payload_bytes: payloadBytes },
    notes: [`lib/simulate: ${ctx.vehicles} vehicles × 24 h at 10 Hz (1 sample/min parked), 1-second envelopes: ${samples.toLocaleString('en-US')} samples in ${messages.toLocaleString('en-US')} messages, ${(payloadBytes / 1048576).toFixed(1)} MB JSON, generated in ${secs.toFixed(1)} s (${Math.round(samples / secs).toLocaleString('en-US')} samples/s)`],
  };
}
