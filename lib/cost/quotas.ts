import type { CostReport } from './model';

/** One AWS quota against the fleet's peak load, with the arithmetic spelled out. */
export interface QuotaCheck {
  quota: string;
  limit: number;
  load: number;
  unit: string;
  binds: boolean;
  arithmetic: string;
  remedy: string;
}

// Direct PUT quotas per stream in us-east-1, us-west-2 and eu-west-1 (other regions: 1,000 req/s, 1 MiB/s).
const FIREHOSE_REQUESTS_PER_S = 2000;
const FIREHOSE_MIB_PER_S = 5;
const FIREHOSE_RECORDS_PER_S = 500_000;
const SFN_HISTORY_EVENTS = 25_000;
const SFN_PAYLOAD_BYTES = 256 * 1024;
const ATHENA_DML_CONCURRENCY = 150; // active DML queries per account (eu-west-1 / us-east-1 default; soft)

const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** Where each quota binds for this fleet (peak = the stated share of the fleet driving at once). */
export function quotaChecks(r: CostReport): QuotaCheck[] {
  const { fleet, volumes: v, assumptions: a, design } = r;
  const driving = fleet.vehicles * a.peakDrivingShare;
  const parked = fleet.vehicles - driving;
  const parkedEvery = 60 * Math.max(1, fleet.parkedBatchMinutes * a.parkedSamplesPerMinute) / a.parkedSamplesPerMinute; // s between parked messages
  const msgPerS = driving / fleet.batchSeconds + parked / parkedEvery;
  const bytesPerS = (driving / fleet.batchSeconds) * v.driveMessageBytes + (parked / parkedEvery) * v.parkedMessageBytes;
  const mibPerS = bytesPerS / 1024 ** 2;
  const out: QuotaCheck[] = [];
  const streamsReq = Math.ceil(msgPerS / FIREHOSE_REQUESTS_PER_S);
  out.push({
    quota: 'Firehose PutRecord(Batch) requests/s per stream',
    limit: FIREHOSE_REQUESTS_PER_S,
    load: msgPerS,
    unit: 'requests/s',
    binds: msgPerS > FIREHOSE_REQUESTS_PER_S,
    arithmetic: `${fmt(driving)} driving / ${fleet.batchSeconds} s + ${fmt(parked)} parked / ${fmt(parkedEvery)} s = ${fmt(msgPerS)} messages/s; the IoT rule makes one Firehose call per message`,
    remedy: `${streamsReq} stream(s) at this envelope length (rules split by topic(2)), or longer envelopes (fewer requests/s), or a quota increase`,
  });
  out.push({
    quota: 'Firehose MiB/s per stream',
    limit: FIREHOSE_MIB_PER_S,
    load: mibPerS,
    unit: 'MiB/s',
    binds: mibPerS > FIREHOSE_MIB_PER_S,
    arithmetic: `${fmt(msgPerS)} messages/s × ~${fmt(bytesPerS / Math.max(msgPerS, 1))} B = ${fmt(mibPerS, 2)} MiB/s`,
    remedy: `${Math.ceil(mibPerS / FIREHOSE_MIB_PER_S)} stream(s) by volume; bytes do not shrink with batching, so volume decides the stream count at scale`,
  });
  out.push({
    quota: 'Firehose records/s per stream',
    limit: FIREHOSE_RECORDS_PER_S,
    load: msgPerS,
    unit: 'records/s',
    binds: msgPerS > FIREHOSE_RECORDS_PER_S,
    arithmetic: 'one record per message with batchMode off (batchMode on would split the envelope into one 5 KB-rounded record per sample: 10× the records and the bill)',
    remedy: 'keep batchMode off',
  });
  out.push({
    quota: 'IoT rule actions (Firehose) per second',
    limit: 20_000,
    load: msgPerS,
    unit: 'rule evaluations/s',
    binds: msgPerS > 20_000,
    arithmetic: `${fmt(msgPerS)} rule evaluations/s at peak, each with one action; the default account rule-evaluation rate is 20,000/s (adjustable)`,
    remedy: 'longer envelopes, or a quota increase; the action also waits on Firehose, so the Firehose stream count binds first',
  });
  const itemsPerRun = v.bronzeObjectsPerDay / fleet.runsPerDay / a.bronzeObjectsPerMapItem;
  // An inline Map item costs ~5 history events (IterationStarted, TaskScheduled/Started/Succeeded, IterationSucceeded).
  const eventsPerRun = 20 + itemsPerRun * 5;
  const maxItems = Math.floor((SFN_HISTORY_EVENTS * 0.8 - 20) / 5);
  out.push({
    quota: 'Step Functions history events per execution',
    limit: SFN_HISTORY_EVENTS,
    load: eventsPerRun,
    unit: 'events',
    binds: eventsPerRun > SFN_HISTORY_EVENTS * 0.8,
    arithmetic: `${fmt(v.bronzeObjectsPerDay)} bronze objects/day / ${fleet.runsPerDay} runs = ${fmt(itemsPerRun, 1)} Map items × ~5 events + ~20 = ${fmt(eventsPerRun)} events; 80 % of 25,000 allows ${fmt(maxItems)} items`,
    remedy: 'Plan caps items per execution and hands the rest to a continuation execution; a backfill of many days uses child executions (one per day)',
  });
  const keyBytes = 110; // "telemetry/year=2026/month=03/day=01/hour=14/fleetlake-1-2026-03-01-14-05-00-<uuid>.gz" + JSON quoting
  const payload = itemsPerRun * a.bronzeObjectsPerMapItem * keyBytes;
  out.push({
    quota: 'Step Functions payload per state',
    limit: SFN_PAYLOAD_BYTES,
    load: payload,
    unit: 'bytes',
    binds: payload > SFN_PAYLOAD_BYTES * 0.5,
    arithmetic: `${fmt(itemsPerRun * a.bronzeObjectsPerMapItem)} keys × ~${keyBytes} B = ${fmt(payload / 1024, 1)} KB of 256 KB (the Map results are trimmed to counts by ResultSelector)`,
    remedy: `Plan hands keys past ~${fmt((SFN_PAYLOAD_BYTES * 0.5) / keyBytes)} per execution (half the limit) to a continuation; items carry keys, results only counts`,
  });
  const dpus = design.glueWorkers;
  out.push({
    quota: 'Glue run time vs schedule',
    limit: 86400 / fleet.runsPerDay,
    load: v.glueBilledSecondsPerRun,
    unit: 's per run',
    binds: v.glueBilledSecondsPerRun > (86400 / fleet.runsPerDay) * 0.5,
    arithmetic: `${fmt(v.rowsPerGlueRun)} rows per run (D-2, D-1 and today so far: the job rebuilds D-1..D+1 from their neighbours) on ${dpus} × ${design.glueWorkerType} ≈ ${fmt(v.glueBilledSecondsPerRun)} s of a ${fmt(86400 / fleet.runsPerDay)} s slot`,
    remedy: 'more or larger workers (glueWorkers per stage), or incremental merge (Iceberg MERGE) instead of rebuilding the day',
  });
  const peakQueries = a.analysts * 2;
  out.push({
    quota: 'Athena active DML queries (account)',
    limit: ATHENA_DML_CONCURRENCY,
    load: peakQueries,
    unit: 'queries',
    binds: peakQueries > ATHENA_DML_CONCURRENCY,
    arithmetic: `${a.analysts} analysts × 2 concurrent queries = ${peakQueries}; dashboards add their refresh fan-out`,
    remedy: 'raise the quota or use capacity reservations for dashboards; cache with query result reuse',
  });
  return out;
}
