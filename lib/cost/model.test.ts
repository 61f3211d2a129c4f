import { describe, expect, test } from '@jest/globals';
import { charge } from './prices';
import { DEFAULT_ASSUMPTIONS, estimate, gbMonths, glueRunsPerDay, units5k, volumes, type Fleet } from './model';
import { runsPerDayOfRate, sfnShape, type Design } from './design';
import { DEFAULT_FIGURES, figuresFromBench, type Figures } from './figures';
import { quotaChecks } from './quotas';

const GB = 1024 ** 3;

// A deliberately simple deployment so every number below can be done by hand.
const design: Design = {
  stage: 'test',
  bronzeInfrequentAccessDays: 30,
  bronzeGlacierIrDays: 90,
  bronzeExpireDays: 730,
  silverTelemetryExpireDays: 365,
  silverColdAfterDays: 0,
  firehoseBufferSeconds: 300,
  firehoseBufferMiB: 128,
  cleanMemoryMb: 1024,
  otherLambdaMemoryMb: 1024,
  glueWorkerType: 'G.1X',
  glueWorkers: 2,
  glueExecutionClass: 'STANDARD',
  scheduleRunsPerDay: 24,
  featuresIntervalMinutes: 0,
  sfnStatesPerExecution: 5,
  sfnStatesPerItem: 1,
  sfnSource: 'test',
  source: 'test',
};
const figures: Figures = {
  rawBytesPerSample: 200,
  bronzeBytesPerSample: 30,
  silverBytesPerSample: 20,
  silverCompactedBytesPerSample: 20,
  goldBytesPerSample: 0,
  cleanRowsPerSecPerCore: 100_000,
  sparkRowsPerSecPerCore: 50_000,
  source: 'test',
};
const one: Fleet = { vehicles: 1, hz: 10, driveHours: 1, batchSeconds: 1, parkedBatchMinutes: 0, basicIngest: false, runsPerDay: 24, region: 'eu-west-1' };
const month1 = { ...DEFAULT_ASSUMPTIONS, storageMonth: 1 };
const item = (r: ReturnType<typeof estimate>, name: string) => {
  const i = r.items.find((x) => `${x.service} ${x.item}` === name);
  if (!i) throw new Error(`no item ${name}: ${r.items.map((x) => `${x.service} ${x.item}`).join(', ')}`);
  return i;
};

describe('metering helpers', () => {
  test('5 KB units round up per message, at least one', () => {
    expect(units5k(0)).toBe(1);
    expect(units5k(5120)).toBe(1);
    expect(units5k(5121)).toBe(2);
    expect(units5k(6022)).toBe(2); // a 3-second envelope: 30 × 200 B + 22 B topic
  });

  test('tiered prices apply each tier to its slice', () => {
    // 2e9 messages: 1e9 at $1.00/M + 1e9 at $0.80/M = $1,000 + $800
    expect(charge('iot_messaging', 2e9, 'eu-west-1')).toBeCloseTo(1800, 6);
    // below the first limit only the first price applies
    expect(charge('iot_messaging', 149_400, 'eu-west-1')).toBeCloseTo(0.1494, 10);
    expect(() => charge('iot_messaging', 1, 'mars-1')).toThrow(/no iot_messaging price for region mars-1/);
  });

  test('GB-months per lifecycle class', () => {
    // month 1, Standard (ages 0-30): day k holds k days of data → mean of 1..30 = 15.5 days
    expect(gbMonths(1, 0, 30, 1, 30)).toBeCloseTo(15.5, 10);
    // month 13 (days 361-390): Standard full 30 d, IA 60 d, Glacier IR holds ages 90..t-1 → mean(t-90) = 285.5
    expect(gbMonths(1, 0, 30, 13, 30)).toBeCloseTo(30, 10);
    expect(gbMonths(1, 30, 90, 13, 30)).toBeCloseTo(60, 10);
    expect(gbMonths(1, 90, 730, 13, 30)).toBeCloseTo(285.5, 10);
    // nothing in Glacier IR in month 1
    expect(gbMonths(1, 90, 730, 1, 30)).toBe(0);
  });
});

describe('parked batching (the device contract, 10-minute parked envelopes), hand-computed', () => {
  const batched = { ...one, parkedBatchMinutes: 10 };

  test('1,380 parked samples go in 138 envelopes of 10 (2,000 B: one 5 KB unit each)', () => {
    const v = volumes(batched, figures, design, month1);
    expect(v.samplesPerVehicleDay).toBe(37_380);
    expect(v.parkedMessagesPerVehicleDay).toBe(138);
    expect(v.parkedMessageBytes).toBe(2_000);
    expect(v.messagesPerVehicleDay).toBe(3_600 + 138);
    expect(v.iotMeteredMessages).toBe(3_738 * 30);
  });

  test('the per-message IoT rule, action and Firehose charges fall by the parked share of messages', () => {
    const [a, b] = [estimate(one, figures, design, month1), estimate(batched, figures, design, month1)];
    for (const name of ['IoT Core rules triggered', 'IoT Core actions executed', 'Firehose Direct PUT ingestion']) {
      expect(item(b, name).monthly / item(a, name).monthly).toBeCloseTo(3_738 / 4_980, 10);
    }
  });

  test('a window of 59 minutes leaves the last envelope of the day partly empty: 24 envelopes', () => {
    expect(volumes({ ...one, parkedBatchMinutes: 59 }, figures, design, month1).parkedMessagesPerVehicleDay).toBe(Math.ceil(1_380 / 59));
  });
});

describe('one vehicle, 10 Hz, 1 h driving, 1 s envelopes, month 1 (hand-computed)', () => {
  const r = estimate(one, figures, design, month1);

  test('volumes', () => {
    const v = volumes(one, figures, design, month1);
    // 36,000 driving samples (10 Hz × 3,600 s) + 1,380 parked (23 h × 60)
    expect(v.samplesPerVehicleDay).toBe(37_380);
    // 3,600 one-second envelopes + 1,380 single parked samples
    expect(v.messagesPerVehicleDay).toBe(4_980);
    expect(v.messagesPerMonth).toBe(149_400);
    // envelopes 2,000 B + 22 B topic → 1 unit each; parked 222 B → 1 unit
    expect(v.iotMeteredMessages).toBe(149_400);
    // 7.5 MB/day of raw JSON never fills 128 MiB: one object per 300 s buffer → 288/day
    expect(v.bronzeObjectsPerDay).toBe(288);
  });

  test('IoT Core', () => {
    // 1 × 24 h × 60 min × 30 d = 43,200 min × $0.08/M
    expect(item(r, 'IoT Core connectivity').monthly).toBeCloseTo(0.003456, 10);
    // 149,400 × $1/M
    expect(item(r, 'IoT Core messaging').monthly).toBeCloseTo(0.1494, 10);
    // 149,400 × $0.15/M each
    expect(item(r, 'IoT Core rules triggered').monthly).toBeCloseTo(0.02241, 10);
    expect(item(r, 'IoT Core actions executed').monthly).toBeCloseTo(0.02241, 10);
  });

  test('Firehose bills 5 KB per record', () => {
    // 149,400 records × 5,120 B = 764,928,000 B = 0.712395 GB × $0.031
    expect(item(r, 'Firehose Direct PUT ingestion').quantity).toBeCloseTo(764_928_000 / GB, 10);
    expect(item(r, 'Firehose Direct PUT ingestion').monthly).toBeCloseTo((764_928_000 / GB) * 0.031, 10);
  });

  test('S3 storage in month 1: all bronze still in Standard', () => {
    // bronze 37,380 × 30 B = 1,121,400 B/day; month 1 holds 15.5 day-equivalents
    expect(item(r, 'S3 bronze Standard (month 1)').quantity).toBeCloseTo((1_121_400 * 15.5) / GB, 12);
    // on day 30 the oldest data is 29 days old: nothing has reached IA yet, and no transition is billed
    expect(item(r, 'S3 bronze Standard-IA (month 1)').quantity).toBe(0);
    expect(r.items.some((i) => i.item.startsWith('lifecycle'))).toBe(false);
  });

  test('Glue: the 1-minute minimum binds for a tiny fleet', () => {
    // one vehicle: 37,380 × 25/48 rows per run / (2 DPU × 200,000 rows/s) + 30 s start-up ≈ 30 s < 60 s
    // 720 runs × 2 DPU × 60 s / 3,600 = 24 DPU-hours × $0.44 = $10.56
    expect(item(r, 'Glue features job DPU-hours').quantity).toBeCloseTo(24, 10);
    expect(item(r, 'Glue features job DPU-hours').monthly).toBeCloseTo(10.56, 10);
  });

  test('Step Functions transitions from the shape', () => {
    // 288 objects/day / 24 runs = 12 items; 720 runs × (5 + 12 × 1) = 12,240 × $0.025/1,000
    expect(item(r, 'Step Functions state transitions').quantity).toBe(12_240);
    expect(item(r, 'Step Functions state transitions').monthly).toBeCloseTo(0.306, 10);
  });

  test('Lambda GB-seconds from the clean throughput', () => {
    // clean: 1,121,400 samples / 100,000 rows/s = 11.214 s + 8,640 invocations × 0.3 s = 2,603.214 s at 1 GB
    // plan + commit: 720 runs × 2 × 1 s × 1 GB = 1,440 GB-s
    expect(item(r, 'Lambda GB-seconds (arm64)').quantity).toBeCloseTo(4_043.214, 6);
    expect(item(r, 'Lambda requests').quantity).toBe(8_640 + 1_440);
  });

  test('total is the sum of the items, per vehicle = total / vehicles', () => {
    expect(r.total).toBeCloseTo(r.items.reduce((s, i) => s + i.monthly, 0), 10);
    expect(r.perVehicle).toBe(r.total);
  });
});

describe('flags change the right items', () => {
  test('--basic-ingest removes messaging only', () => {
    const a = estimate(one, figures, design, month1);
    const b = estimate({ ...one, basicIngest: true }, figures, design, month1);
    expect(item(b, 'IoT Core messaging').monthly).toBe(0);
    expect(a.total - b.total).toBeCloseTo(0.1494, 10);
  });

  test('3-second envelopes: 1,200 envelopes of 6,022 B = 2 units each', () => {
    const r = estimate({ ...one, batchSeconds: 3 }, figures, design, month1);
    // (1,200 × 2 + 1,380 × 1) × 30 = 113,400 metered messages
    expect(item(r, 'IoT Core messaging').quantity).toBe(113_400);
    // Firehose: 1,200 × 10,240 B + 1,380 × 5,120 B per day, × 30
    expect(item(r, 'Firehose Direct PUT ingestion').quantity).toBeCloseTo(((1_200 * 10_240 + 1_380 * 5_120) * 30) / GB, 12);
  });

  test('fleet-size items scale linearly, fixed items do not', () => {
    const small = estimate({ ...one, vehicles: 10 }, figures, design, month1);
    const big = estimate({ ...one, vehicles: 100 }, figures, design, month1);
    expect(item(big, 'IoT Core rules triggered').monthly).toBeCloseTo(item(small, 'IoT Core rules triggered').monthly * 10, 10);
    expect(item(big, 'CloudWatch alarms').monthly).toBe(item(small, 'CloudWatch alarms').monthly);
    // 13 alarm metrics × $0.10
    expect(item(big, 'CloudWatch alarms').monthly).toBeCloseTo(1.3, 10);
  });

  test('steady state (month 13) prices bronze in all three tiers and adds transitions', () => {
    const r = estimate(one, figures, design, DEFAULT_ASSUMPTIONS);
    const perDay = 1_121_400 / GB;
    expect(item(r, 'S3 bronze Standard (month 13)').quantity).toBeCloseTo(perDay * 30, 12);
    expect(item(r, 'S3 bronze Standard-IA (month 13)').quantity).toBeCloseTo(perDay * 60, 12);
    expect(item(r, 'S3 bronze Glacier IR (month 13)').monthly).toBeCloseTo(perDay * 285.5 * 0.004, 12);
    // 288 × 30 objects move each month
    expect(item(r, 'S3 lifecycle → IA').quantity).toBe(8_640);
  });

  test('silver after silverColdAfterDays: parts in Glacier IR, the compacted table in Standard-IA, both gone at 365 d', () => {
    const r = estimate(one, figures, { ...design, silverColdAfterDays: 30 }, DEFAULT_ASSUMPTIONS);
    // silver 37,380 × 20 B = 747,600 B/day, parts and compacted alike. Month 13 (days t = 361..390): ages 0-30 d
    // hold 30 day-equivalents per table; ages 30-365 hold min(365, t) - 30 = 331, 332, 333, 334, then 335 for 26 days.
    const perDay = 747_600 / GB;
    const cold = (331 + 332 + 333 + 334 + 335 * 26) / 30;
    expect(item(r, 'S3 silver telemetry Standard-IA (month 13)').quantity).toBeCloseTo(perDay * cold, 12);
    expect(item(r, 'S3 silver telemetry_parts Glacier IR (month 13)').monthly).toBeCloseTo(perDay * cold * 0.004, 12);
    expect(item(r, 'S3 silver + gold Standard (month 13)').quantity).toBeCloseTo(perDay * 30 * 2, 12);
    // transitions: 288 bronze objects/day × 30 → IA (bronze) plus 1 compacted file/day × 30; Glacier IR: bronze + one part per object
    expect(item(r, 'S3 lifecycle → IA').quantity).toBe(8_640 + 30);
    expect(item(r, 'S3 lifecycle → Glacier IR').quantity).toBe(8_640 * 2);
  });

  test('Glue Flex bills the same DPU-hours at the Flex price', () => {
    const r = estimate(one, figures, { ...design, glueExecutionClass: 'FLEX' }, DEFAULT_ASSUMPTIONS);
    // 24 DPU-hours (the 1-minute minimum case above) × $0.29
    expect(item(r, 'Glue features job DPU-hours').quantity).toBeCloseTo(24, 10);
    expect(item(r, 'Glue features job DPU-hours').monthly).toBeCloseTo(6.96, 10);
  });
});

describe('quota arithmetic', () => {
  test('Firehose requests bind past 2,000 messages/s', () => {
    // 10,000 vehicles: 2,500 driving at 1 msg/s + 7,500 parked at 1/60 = 2,625 msg/s > 2,000
    const r = estimate({ ...one, vehicles: 10_000 }, figures, design, DEFAULT_ASSUMPTIONS);
    const q = quotaChecks(r).find((c) => c.quota.startsWith('Firehose PutRecord'));
    expect(q?.load).toBeCloseTo(2_625, 6);
    expect(q?.binds).toBe(true);
    const r1k = estimate({ ...one, vehicles: 1_000 }, figures, design, DEFAULT_ASSUMPTIONS);
    expect(quotaChecks(r1k).find((c) => c.quota.startsWith('Firehose PutRecord'))?.binds).toBe(false);
  });
});

describe('design and figures inputs', () => {
  test('state machine shape: success path and Map items, Catch targets excluded', () => {
    const asl = {
      StartAt: 'Plan',
      States: {
        Plan: { Type: 'Task', Next: 'HasWork', Catch: [{ Next: 'NotifyFailure' }] },
        HasWork: { Type: 'Choice', Choices: [{ Next: 'Clean' }], Default: 'Done' },
        Clean: { Type: 'Map', Next: 'Features', ItemProcessor: { StartAt: 'CleanObjects', States: { CleanObjects: { Type: 'Task', End: true } } } },
        Features: { Type: 'Task', Next: 'Commit' },
        Commit: { Type: 'Task', Next: 'Done' },
        Done: { Type: 'Succeed' },
        NotifyFailure: { Type: 'Task', Next: 'Failed' },
        Failed: { Type: 'Fail' },
      },
    };
    // the longest branch at the Choice: Plan, HasWork, Clean, Features, Commit, Done (not HasWork → Done)
    expect(sfnShape(asl)).toEqual({ perExecution: 6, perItem: 1 });
  });

  test('bench figures are per sample and per core', () => {
    const f = figuresFromBench(
      { samples: 1_000_000, raw_bytes: 250e6, bronze_bytes: 25e6, silver_bytes: 10e6, gold_bytes: 1e5, clean_rows_per_s: 400_000, machine: { cores: 2 } },
      'bench.json',
    );
    expect(f.rawBytesPerSample).toBe(250);
    expect(f.bronzeBytesPerSample).toBe(25);
    expect(f.silverBytesPerSample).toBe(10);
    expect(f.silverCompactedBytesPerSample).toBe(10);
    expect(f.goldBytesPerSample).toBeCloseTo(0.1, 12);
    expect(f.cleanRowsPerSecPerCore).toBe(200_000);
    expect(f.source).toMatch(/^bench\.json: raw_bytes, bronze_bytes/);
  });

  test('a bench file without a sample count falls back to the defaults and says so', () => {
    const f = figuresFromBench({ raw_bytes: 1 }, 'bench.json');
    expect(f.rawBytesPerSample).toBe(DEFAULT_FIGURES.rawBytesPerSample);
    expect(f.source).toMatch(/no sample count/);
  });
});

describe('the features cadence: clean every execution, gold at most every featuresIntervalMinutes', () => {
  test('hourly executions and a 180-minute interval: features in every third, 8 a day, each reading 2 days + today so far', () => {
    const every3h = { ...design, featuresIntervalMinutes: 180 };
    const v = volumes({ ...one, vehicles: 10_000 }, figures, every3h, month1);
    expect(v.glueRunsPerDay).toBe(8);
    // 373,800,000 samples/day × (2 + 9/16) = 957,862,500 rows
    expect(v.rowsPerGlueRun).toBeCloseTo(957_862_500, 3);
    // 240 runs × 2 DPU × (958,087,500 / 400,000 + 30) s / 3,600
    expect(item(estimate({ ...one, vehicles: 10_000 }, figures, every3h, month1), 'Glue features job DPU-hours').quantity).toBeCloseTo((240 * 2 * (957_862_500 / 400_000 + 30)) / 3600, 6);
  });

  test('an interval between two executions waits for the next one: 90 minutes with hourly executions is every second', () => {
    expect(glueRunsPerDay(one, { ...design, featuresIntervalMinutes: 90 })).toBe(12);
    expect(glueRunsPerDay(one, { ...design, featuresIntervalMinutes: 60 })).toBe(24);
    expect(glueRunsPerDay(one, { ...design, featuresIntervalMinutes: 0 })).toBe(24);
  });

  test('runs per day from the stage schedule: rate(1 hour) is 24, rate(3 hours) 8, rate(30 minutes) 48; a cron is refused', () => {
    expect(runsPerDayOfRate('rate(1 hour)')).toBe(24);
    expect(runsPerDayOfRate('rate(3 hours)')).toBe(8);
    expect(runsPerDayOfRate('rate(30 minutes)')).toBe(48);
    expect(() => runsPerDayOfRate('cron(0 * * * ? *)')).toThrow('is not rate(');
  });
});

describe('Glue above the minimum', () => {
  test('billed seconds = start-up + rows read (D-2, D-1, today so far) / (DPUs × rows/s per DPU)', () => {
    // 10,000 vehicles: 373,800,000 samples/day; hourly runs read 2 days + (24+1)/(2×24) of today
    // = 373,800,000 × 2.5208333 = 942,287,500 rows; 2 DPU × (50,000 rows/s per core × 4 vCPU) = 400,000 rows/s
    // → 2,355.71875 s + 30 s = 2,385.71875 s per run
    const r = estimate({ ...one, vehicles: 10_000 }, figures, design, month1);
    expect(r.volumes.rowsPerGlueRun).toBeCloseTo(942_287_500, 3);
    expect(r.volumes.glueBilledSecondsPerRun).toBeCloseTo(2_385.71875, 6);
    // 720 runs × 2 DPU × 2,385.71875 s / 3,600 = 954.2875 DPU-hours
    expect(item(r, 'Glue features job DPU-hours').quantity).toBeCloseTo(954.2875, 6);
  });
});
