import { charge, unitPrice, type PriceName, type PriceTable, PRICES } from './prices';
import { DPU_PER_WORKER, type Design } from './design';
import type { Figures } from './figures';

/** What the fleet does (the CLI flags). */
export interface Fleet {
  vehicles: number;
  hz: number;
  driveHours: number;
  /** Seconds of 10 Hz samples per MQTT envelope while driving. */
  batchSeconds: number;
  /** Parked batching window of the device contract (lib/simulate PARKED_BATCH_MS): minutes of parked samples per
   * envelope; 0 sends each parked sample alone. */
  parkedBatchMinutes: number;
  /** Devices publish on the Basic Ingest topic: no messaging charge. */
  basicIngest: boolean;
  runsPerDay: number;
  region: string;
}

/** Stated assumptions; every one appears in the output. */
export interface Assumptions {
  daysPerMonth: number;
  /** Month of life the storage is priced for: 1 (first month) or later (13 = steady state after a year). */
  storageMonth: number;
  connectedHoursPerDay: number;
  /** Parked: one sample per minute (ignition-off policy); sent in envelopes of Fleet.parkedBatchMinutes. */
  parkedSamplesPerMinute: number;
  topicBytes: number;
  /** Share of the fleet driving at the same moment at peak (quota arithmetic only). */
  peakDrivingShare: number;
  /** One bronze object per Map item (Plan groups objects; the model takes the finest grouping). */
  bronzeObjectsPerMapItem: number;
  /** Fixed cost of one clean invocation (init, S3 round trips), seconds. */
  cleanOverheadSeconds: number;
  planCommitSeconds: number;
  glueStartupSeconds: number;
  analysts: number;
  goldQueriesPerAnalystDay: number;
  silverQueriesPerAnalystDay: number;
  workingDaysPerMonth: number;
  /** Days of gold a gold query reads; days of silver a silver query reads (all columns: an upper bound). */
  goldQueryDays: number;
  silverQueryDays: number;
  customMetrics: number;
  alarmMetrics: number;
  logBytesPerLambdaInvocation: number;
  logBytesPerGlueRun: number;
  kmsKeys: number;
}

export const DEFAULT_ASSUMPTIONS: Assumptions = {
  daysPerMonth: 30,
  storageMonth: 13,
  connectedHoursPerDay: 24,
  parkedSamplesPerMinute: 1,
  topicBytes: 22, // fleet/V00001/telemetry
  peakDrivingShare: 0.25,
  bronzeObjectsPerMapItem: 1,
  cleanOverheadSeconds: 0.3,
  planCommitSeconds: 1,
  glueStartupSeconds: 30,
  analysts: 5,
  goldQueriesPerAnalystDay: 20,
  silverQueriesPerAnalystDay: 2,
  workingDaysPerMonth: 21,
  goldQueryDays: 30,
  silverQueryDays: 1,
  // clean: SamplesIn, SamplesValid, SamplesQuarantined, DuplicatesDropped, BytesRead, ArrivalLagSeconds
  // + one Reason series per quarantine reason (12) ; commit: PipelineRuns, SamplesProcessed, QuarantineRatio, GoldLagSeconds
  customMetrics: 6 + 12 + 4,
  // quarantine ratio (metric math over 2 metrics), SFN failed + timed out, gold lag, Firehose freshness,
  // IoT rule failures, errors + throttles for 3 Lambdas (plan, clean, commit)
  alarmMetrics: 2 + 2 + 1 + 1 + 1 + 6,
  logBytesPerLambdaInvocation: 3 * 1024, // START/END/REPORT + 2-3 JSON lines + one EMF blob
  logBytesPerGlueRun: 512 * 1024, // continuous logging, driver only
  kmsKeys: 1,
};

export interface LineItem {
  service: string;
  item: string;
  quantity: number;
  unit: string;
  unitPrice: number;
  monthly: number;
  perVehicle: number;
  note?: string;
}

export interface Volumes {
  samplesPerVehicleDay: number;
  messagesPerVehicleDay: number;
  driveMessagesPerVehicleDay: number;
  parkedMessagesPerVehicleDay: number;
  driveMessageBytes: number;
  parkedMessageBytes: number;
  samplesPerMonth: number;
  messagesPerMonth: number;
  iotMeteredMessages: number;
  firehoseBilledGB: number;
  bronzeObjectsPerDay: number;
  bronzeGBPerDay: number;
  silverGBPerDay: number;
  silverCompactedGBPerDay: number;
  goldGBPerDay: number;
  /** Features job runs per day: every execution, or at most every featuresIntervalMinutes. */
  glueRunsPerDay: number;
  rowsPerGlueRun: number;
  glueBilledSecondsPerRun: number;
}

export interface CostReport {
  fleet: Fleet;
  figures: Figures;
  design: Design;
  assumptions: Assumptions;
  volumes: Volumes;
  items: LineItem[];
  total: number;
  perVehicle: number;
  priceDate: string;
}

export const KB5 = 5 * 1024;
export const GB = 1024 ** 3;
export const MB = 1024 ** 2;
export const TB = 1024 ** 4;

/** The number of 5 KB metering units a message of `bytes` takes (at least one). */
export const units5k = (bytes: number): number => Math.max(1, Math.ceil(bytes / KB5));

/**
 * Average GB-months held in a storage class during month `month` of life, for data written at
 * `gbPerDay` and kept in the class while its age (days) is in [from, to). Day t of life holds the data
 * of ages 0..t-1; the month's GB-months are the mean over its days.
 */
export function gbMonths(gbPerDay: number, from: number, to: number, month: number, daysPerMonth: number): number {
  let sum = 0;
  for (let k = 1; k <= daysPerMonth; k++) {
    const t = (month - 1) * daysPerMonth + k;
    sum += Math.max(0, Math.min(to, t) - from);
  }
  return (gbPerDay * sum) / daysPerMonth;
}

/** Features runs per day: every execution, or every k-th one, the first whose wait reaches featuresIntervalMinutes. */
export function glueRunsPerDay(fleet: Fleet, design: Design): number {
  const every = Math.max(1, Math.ceil(design.featuresIntervalMinutes / (1440 / fleet.runsPerDay)));
  return fleet.runsPerDay / every;
}

/** Whole past days an arrivals run's features job reads (D-2 and D-1), besides today so far. */
export const FULL_DAYS_READ = 2;

/** A Glue DPU is 4 vCPUs (and 16 GB): G.1X is one DPU, G.2X two. */
export const VCPU_PER_DPU = 4;

/** The features job's rows/s per DPU: Spark's measured input rows/s per core × 4 vCPUs (linear scaling assumed). */
export const glueRowsPerSecPerDpu = (figures: Figures): number => figures.sparkRowsPerSecPerCore * VCPU_PER_DPU;

export function volumes(fleet: Fleet, figures: Figures, design: Design, a: Assumptions): Volumes {
  const driveSeconds = fleet.driveHours * 3600;
  const parkedMinutes = (24 - fleet.driveHours) * 60;
  const samplesPerDriveMessage = fleet.hz * fleet.batchSeconds;
  const driveMessages = Math.ceil(driveSeconds / fleet.batchSeconds);
  const parkedSamples = parkedMinutes * a.parkedSamplesPerMinute;
  const samplesPerParkedMessage = Math.max(1, fleet.parkedBatchMinutes * a.parkedSamplesPerMinute);
  const parkedMessages = Math.ceil(parkedSamples / samplesPerParkedMessage);
  const samplesPerVehicleDay = fleet.hz * driveSeconds + parkedSamples;
  const driveMessageBytes = samplesPerDriveMessage * figures.rawBytesPerSample;
  const parkedMessageBytes = samplesPerParkedMessage * figures.rawBytesPerSample;
  const vehicleDays = fleet.vehicles * a.daysPerMonth;
  const iotMeteredPerVehicleDay =
    driveMessages * units5k(driveMessageBytes + a.topicBytes) + parkedMessages * units5k(parkedMessageBytes + a.topicBytes);
  const firehoseBytesPerVehicleDay = (driveMessages * units5k(driveMessageBytes) + parkedMessages * units5k(parkedMessageBytes)) * KB5;
  const samplesPerDay = samplesPerVehicleDay * fleet.vehicles;
  const rawBytesPerDay = samplesPerDay * figures.rawBytesPerSample;
  const bronzeObjectsPerDay = Math.ceil(Math.max(86400 / design.firehoseBufferSeconds, rawBytesPerDay / (design.firehoseBufferMiB * MB)));
  // An arrivals run touches today; the pipeline rebuilds D-1..D+1 of it (--expand_neighbours true) and the job reads
  // their neighbours too, D-2..D+2 (lib/features/dates.ts): two full past days plus today so far, j/R of it in run j.
  // With a features cadence the job runs in every k-th execution only (docs/pipeline.md).
  const R = glueRunsPerDay(fleet, design);
  const rowsPerGlueRun = samplesPerDay * (FULL_DAYS_READ + (R + 1) / (2 * R));
  const dpus = design.glueWorkers * (DPU_PER_WORKER[design.glueWorkerType] ?? 1);
  const rowsPerSecond = dpus * glueRowsPerSecPerDpu(figures);
  const glueBilledSecondsPerRun = Math.max(60, a.glueStartupSeconds + rowsPerGlueRun / rowsPerSecond);
  return {
    samplesPerVehicleDay,
    messagesPerVehicleDay: driveMessages + parkedMessages,
    driveMessagesPerVehicleDay: driveMessages,
    parkedMessagesPerVehicleDay: parkedMessages,
    driveMessageBytes,
    parkedMessageBytes,
    samplesPerMonth: samplesPerVehicleDay * vehicleDays,
    messagesPerMonth: (driveMessages + parkedMessages) * vehicleDays,
    iotMeteredMessages: iotMeteredPerVehicleDay * vehicleDays,
    firehoseBilledGB: (firehoseBytesPerVehicleDay * vehicleDays) / GB,
    bronzeObjectsPerDay,
    bronzeGBPerDay: (samplesPerDay * figures.bronzeBytesPerSample) / GB,
    silverGBPerDay: (samplesPerDay * figures.silverBytesPerSample) / GB,
    silverCompactedGBPerDay: (samplesPerDay * figures.silverCompactedBytesPerSample) / GB,
    goldGBPerDay: (samplesPerDay * figures.goldBytesPerSample) / GB,
    glueRunsPerDay: R,
    rowsPerGlueRun,
    glueBilledSecondsPerRun,
  };
}

/** The itemised monthly bill. Pure: prices, figures, design and assumptions are all inputs. */
export function estimate(
  fleet: Fleet,
  figures: Figures,
  design: Design,
  assumptions: Assumptions = DEFAULT_ASSUMPTIONS,
  prices: PriceTable = PRICES,
): CostReport {
  const a = assumptions;
  const v = volumes(fleet, figures, design, a);
  const region = fleet.region;
  const D = a.daysPerMonth;
  const items: LineItem[] = [];
  const add = (service: string, item: string, price: PriceName, quantity: number, unit: string, note?: string) => {
    const monthly = charge(price, quantity, region, prices);
    items.push({ service, item, quantity, unit, unitPrice: unitPrice(price, region, prices), monthly, perVehicle: monthly / fleet.vehicles, note });
  };
  const m = a.storageMonth;

  // IoT Core
  add('IoT Core', 'connectivity', 'iot_connectivity', fleet.vehicles * a.connectedHoursPerDay * 60 * D, 'connection-minutes');
  if (fleet.basicIngest) {
    items.push({ service: 'IoT Core', item: 'messaging', quantity: 0, unit: '5 KB messages', unitPrice: unitPrice('iot_messaging', region, prices), monthly: 0, perVehicle: 0, note: 'Basic Ingest topic: no messaging charge' });
  } else {
    add('IoT Core', 'messaging', 'iot_messaging', v.iotMeteredMessages, '5 KB messages');
  }
  add('IoT Core', 'rules triggered', 'iot_rules_triggered', v.iotMeteredMessages, '5 KB rule units');
  add('IoT Core', 'actions executed', 'iot_actions_executed', v.iotMeteredMessages, '5 KB action units', 'one Firehose action per message');

  // Firehose
  add('Firehose', 'Direct PUT ingestion', 'firehose_direct_put', v.firehoseBilledGB, 'GB (5 KB per record)', 'one record per MQTT message (batchMode off)');

  // S3 storage: bronze lifecycle Standard → IA → Glacier IR → expiry; silver parts and gold kept, compacted silver expires.
  const ia = design.bronzeInfrequentAccessDays;
  const gir = design.bronzeGlacierIrDays;
  const exp = design.bronzeExpireDays;
  const when = m === 1 ? 'month 1' : `month ${m}`;
  add('S3', `bronze Standard (${when})`, 's3_standard_storage', gbMonths(v.bronzeGBPerDay, 0, ia, m, D), 'GB-month', `ages 0-${ia} d`);
  add('S3', `bronze Standard-IA (${when})`, 's3_standard_ia_storage', gbMonths(v.bronzeGBPerDay, ia, gir, m, D), 'GB-month', `ages ${ia}-${gir} d`);
  add('S3', `bronze Glacier IR (${when})`, 's3_glacier_ir_storage', gbMonths(v.bronzeGBPerDay, gir, exp, m, D), 'GB-month', `ages ${gir}-${exp} d`);
  // silver: parts and the compacted table expire with rawGpsRetentionDays; past silverColdAfterDays parts sit in
  // Glacier IR and the compacted table in Standard-IA. Gold stays in Standard.
  const cold = design.silverColdAfterDays > 0 ? Math.min(design.silverColdAfterDays, design.silverTelemetryExpireDays) : design.silverTelemetryExpireDays;
  const silverExp = design.silverTelemetryExpireDays;
  const silverGBm = gbMonths(v.silverGBPerDay, 0, cold, m, D) + gbMonths(v.silverCompactedGBPerDay, 0, cold, m, D);
  const goldGBm = gbMonths(v.goldGBPerDay, 0, Infinity, m, D);
  // S3 Standard tiers apply to the account's Standard total; bill them together, show the split.
  const standardGBm = silverGBm + goldGBm;
  add('S3', `silver + gold Standard (${when})`, 's3_standard_storage', standardGBm, 'GB-month', `silver ages 0-${cold} d; gold ${goldGBm.toFixed(2)} GB-month of it`);
  const silverIaGBm = gbMonths(v.silverCompactedGBPerDay, cold, silverExp, m, D);
  const partsGirGBm = gbMonths(v.silverGBPerDay, cold, silverExp, m, D);
  if (cold < silverExp) {
    add('S3', `silver telemetry Standard-IA (${when})`, 's3_standard_ia_storage', silverIaGBm, 'GB-month', `ages ${cold}-${silverExp} d`);
    add('S3', `silver telemetry_parts Glacier IR (${when})`, 's3_glacier_ir_storage', partsGirGBm, 'GB-month', `ages ${cold}-${silverExp} d; a rebuild of an old date pays retrieval (not modelled)`);
  }

  // S3 requests
  const objectsPerMonth = v.bronzeObjectsPerDay * D;
  const runsPerMonth = fleet.runsPerDay * D;
  const analystQueries = a.analysts * (a.goldQueriesPerAnalystDay + a.silverQueriesPerAnalystDay) * a.workingDaysPerMonth;
  // bronze objects, one silver part each, per run: compacted silver (1 file per 128 MB of the day), 4 gold tables, watermark.
  const compactedFilesPerRun = Math.max(1, Math.ceil((v.silverCompactedGBPerDay * GB) / (128 * MB)));
  const puts = objectsPerMonth * 2 + runsPerMonth * (compactedFilesPerRun + 4 + 1) + analystQueries * 2;
  add('S3', 'PUT requests', 's3_put', puts, 'requests', 'bronze + silver parts + per-run compacted/gold/watermark + Athena results');
  // clean reads each bronze object; run j re-reads the j/R parts of the day so far; Athena ~10 files per query.
  const gets = objectsPerMonth + objectsPerMonth * ((fleet.runsPerDay + 1) / 2) + analystQueries * 10;
  add('S3', 'GET requests', 's3_get', gets, 'requests');
  // one silver part per bronze object; the compacted table is rewritten per run, so a day ends with compactedFilesPerRun files
  const silverCold = cold < silverExp && m * D > cold;
  const toIa = (m * D > ia ? objectsPerMonth : 0) + (silverCold ? compactedFilesPerRun * D : 0);
  const toGir = (m * D > gir ? objectsPerMonth : 0) + (silverCold ? objectsPerMonth : 0);
  if (toIa) add('S3', 'lifecycle → IA', 's3_transition_ia', toIa, 'transitions', silverCold ? 'bronze objects + silver telemetry files' : 'bronze objects');
  if (toGir) add('S3', 'lifecycle → Glacier IR', 's3_transition_glacier_ir', toGir, 'transitions', silverCold ? 'bronze objects + silver parts' : 'bronze objects');

  // Lambda
  const cleanInvocations = objectsPerMonth / a.bronzeObjectsPerMapItem;
  const cleanSeconds = v.samplesPerMonth / figures.cleanRowsPerSecPerCore + cleanInvocations * a.cleanOverheadSeconds;
  const gbSeconds = cleanSeconds * (design.cleanMemoryMb / 1024) + runsPerMonth * 2 * a.planCommitSeconds * (design.otherLambdaMemoryMb / 1024);
  add('Lambda', 'GB-seconds (arm64)', 'lambda_arm_gb_second', gbSeconds, 'GB-s', `clean at ${Math.round(figures.cleanRowsPerSecPerCore).toLocaleString('en-US')} rows/s per vCPU, ${design.cleanMemoryMb} MB`);
  const invocations = cleanInvocations + runsPerMonth * 2;
  add('Lambda', 'requests', 'lambda_requests', invocations, 'requests');

  // Step Functions
  const itemsPerRun = v.bronzeObjectsPerDay / fleet.runsPerDay / a.bronzeObjectsPerMapItem;
  const transitions = runsPerMonth * (design.sfnStatesPerExecution + itemsPerRun * design.sfnStatesPerItem);
  add('Step Functions', 'state transitions', 'sfn_standard_transitions', transitions, 'transitions', design.sfnSource);

  // Glue
  const dpus = design.glueWorkers * (DPU_PER_WORKER[design.glueWorkerType] ?? 1);
  const flex = design.glueExecutionClass === 'FLEX';
  const glueRunsPerMonth = v.glueRunsPerDay * D;
  add('Glue', 'features job DPU-hours', flex ? 'glue_etl_flex_dpu_hour' : 'glue_etl_dpu_hour', (glueRunsPerMonth * dpus * v.glueBilledSecondsPerRun) / 3600, 'DPU-hours', `${Math.round(glueRunsPerMonth)} runs (${design.featuresIntervalMinutes > 0 ? `at most every ${design.featuresIntervalMinutes} min` : 'every execution'}) × ${design.glueWorkers} × ${design.glueWorkerType} ${flex ? 'Flex' : 'Standard'}, ${Math.round(v.glueBilledSecondsPerRun)} s billed per run (60 s minimum; ${a.glueStartupSeconds} s start-up + ${Math.round(v.rowsPerGlueRun).toLocaleString('en-US')} rows at ${Math.round(glueRowsPerSecPerDpu(figures)).toLocaleString('en-US')} rows/s per DPU = ${Math.round(figures.sparkRowsPerSecPerCore).toLocaleString('en-US')} rows/s per core measured on local Spark × ${VCPU_PER_DPU} vCPU per DPU)`);

  // Athena: the stated analyst workload.
  const minScan = 10 * MB;
  const goldScan = Math.max(minScan, v.goldGBPerDay * GB * a.goldQueryDays);
  const silverScan = Math.max(minScan, v.silverCompactedGBPerDay * GB * a.silverQueryDays);
  const scannedTB =
    (a.analysts * a.workingDaysPerMonth * (a.goldQueriesPerAnalystDay * goldScan + a.silverQueriesPerAnalystDay * silverScan)) / TB;
  add('Athena', 'data scanned', 'athena_tb_scanned', scannedTB, 'TB', `${a.analysts} analysts × ${a.workingDaysPerMonth} d × (${a.goldQueriesPerAnalystDay} gold queries over ${a.goldQueryDays} d + ${a.silverQueriesPerAnalystDay} silver over ${a.silverQueryDays} d, all columns); 10 MB minimum`);

  // CloudWatch
  add('CloudWatch', 'custom metrics', 'cloudwatch_custom_metric', a.customMetrics, 'metrics');
  add('CloudWatch', 'alarms', 'cloudwatch_alarm', a.alarmMetrics, 'alarm metrics');
  const logGB = (invocations * a.logBytesPerLambdaInvocation + runsPerMonth * a.logBytesPerGlueRun) / GB;
  add('CloudWatch', 'logs ingestion', 'cloudwatch_logs_ingestion', logGB, 'GB');

  add('KMS', 'customer-managed key', 'kms_key', a.kmsKeys, 'key-months');

  const total = items.reduce((s, i) => s + i.monthly, 0);
  return { fleet, figures, design, assumptions: a, volumes: v, items, total, perVehicle: total / fleet.vehicles, priceDate: prices.taken };
}
