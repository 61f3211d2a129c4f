-- gold.vehicle_daily
-- grain: one row per vehicle per UTC day with silver samples (dt = UTC date of ts).
-- layer: gold
-- sort_by: vehicle_id
-- input: telemetry (01), trips (02), battery_events (03), dtc_events (04)

with samples as (

    select
        vehicle_id,
        cast(ts as date) as dt,
        unix_millis(ts) as ts_ms,
        cast(floor(unix_millis(ts) / 86400000e0) as bigint) as day_num,
        ignition,
        battery_v
    from telemetry

),

-- Completeness: received / expected samples under the device's sampling policy (lib/simulate/sampling-policy.ts):
-- every 100 ms with ignition on, every 60 s with it off, an ignition change at once, and nothing after an
-- ignition-off sample below 11.5 V until the ignition turns on. Each sample owns the interval to the vehicle's next
-- sample and expects in it what the policy would have sent, given the state at its start (docs/features.md).
-- A day sees its neighbours only (D-1..D+1, the features input window), so a row never depends on which dates a
-- run rebuilds: a predecessor or successor further away counts as none.
sequenced as (

    select
        samples.*,
        lag(day_num) over (partition by vehicle_id order by ts_ms) as prev_day_num,
        lead(ts_ms) over (partition by vehicle_id order by ts_ms) as next_ms,
        lead(day_num) over (partition by vehicle_id order by ts_ms) as next_day_num,
        lead(dt) over (partition by vehicle_id order by ts_ms) as next_dt,
        lead(ignition) over (partition by vehicle_id order by ts_ms) as next_ignition,
        case when ignition then 100e0 else 60000e0 end as period_ms,
        not ignition and battery_v < 11.5e0 as cut_off
    from samples

),

-- the end of the data as a day's row sees it: the newest sample of any vehicle on that day or a neighbour
day_ends as (

    select day_num, max(ts_ms) as last_ms
    from samples
    group by day_num

),

horizons as (

    select d.day_num, max(n.last_ms) as horizon_ms
    from day_ends as d
    inner join day_ends as n on n.day_num between d.day_num - 1 and d.day_num + 1
    group by d.day_num

),

-- n: the samples the policy sends in (this sample, next sample], the next one included. Scheduled samples fall
-- every period after this one; the next sample is on schedule (rounded to the nearest period) unless the ignition
-- changed, when it came at once.
slots as (

    select
        q.*,
        case when q.next_day_num <= q.day_num + 1 then q.next_ms end as near_next_ms,
        case
            when q.cut_off then 1
            when q.next_ignition <> q.ignition then cast(ceil((q.next_ms - q.ts_ms) / q.period_ms) as bigint)
            else greatest(cast(floor((q.next_ms - q.ts_ms + q.period_ms / 2e0) / q.period_ms) as bigint), 1)
        end as n,
        -- scheduled samples strictly before the end of this sample's day, or before the end of the data less the
        -- parked batching window (600 s, PARKED_BATCH_MS: parked samples may still be on their way)
        case
            when q.cut_off then 0
            else greatest(cast(ceil((
                least(
                    (q.day_num + 1) * 86400000,
                    case when q.next_day_num <= q.day_num + 1 then (q.day_num + 1) * 86400000 else h.horizon_ms - 600000 end
                ) - q.ts_ms
            ) / q.period_ms) as bigint) - 1, 0)
        end as due_today
    from sequenced as q
    inner join horizons as h on h.day_num = q.day_num

),

-- what each interval expects on its start day (part 0) and on the next day (part 1, when the next sample is there);
-- a sample with no predecessor on its day or the day before expects itself. One pass over `slots`: each interval
-- row is paired with both parts instead of reading `slots` twice (Spark would compute its windows twice).
expected_parts as (

    select
        slots.vehicle_id,
        case when parts.part = 0 then slots.dt else slots.next_dt end as dt,
        case
            when parts.part = 1 then slots.n - least(slots.n - 1, slots.due_today)
            when slots.near_next_ms is not null and slots.next_day_num = slots.day_num then slots.n
            when slots.near_next_ms is not null then least(slots.n - 1, slots.due_today)
            else slots.due_today
        end
        + case when parts.part = 0 and (slots.prev_day_num is null or slots.prev_day_num < slots.day_num - 1) then 1 else 0 end
            as expected
    from slots
    cross join (values (0), (1)) as parts (part)
    where parts.part = 0 or (slots.near_next_ms is not null and slots.next_day_num = slots.day_num + 1)

),

expected_stats as (

    select vehicle_id, dt, sum(expected) as samples_expected
    from expected_parts
    group by vehicle_id, dt

),

sample_stats as (

    select
        vehicle_id,
        dt,
        count(*) as samples_received,
        min(battery_v) as min_battery_v,
        min(case when not ignition then battery_v end) as min_battery_v_off
    from samples
    group by vehicle_id, dt

),

trip_stats as (

    select
        vehicle_id,
        dt,
        count(*) as trip_count,
        -- integer sums (micrometres, milliseconds): independent of summation order, so reruns are byte-identical
        sum(cast(round(distance_km * 1e9) as bigint)) / 1e9 as distance_km,
        sum(cast(round(duration_s * 1e3) as bigint)) / 1e3 as drive_s,
        sum(cast(round(idle_s * 1e3) as bigint)) / 1e3 as idle_s,
        sum(harsh_brake_count) as harsh_brake_count,
        sum(harsh_accel_count) as harsh_accel_count
    from trips
    group by vehicle_id, dt

),

battery_stats as (

    select vehicle_id, dt, count(*) as low_voltage_events
    from battery_events
    group by vehicle_id, dt

),

dtc_stats as (

    select vehicle_id, dt, count(distinct code) as dtc_count
    from dtc_events
    group by vehicle_id, dt

),

joined as (

    select
        s.vehicle_id,
        s.dt,
        coalesce(t.trip_count, 0) as trip_count,
        coalesce(t.distance_km, 0e0) as distance_km,
        coalesce(t.drive_s, 0e0) as drive_s,
        coalesce(t.idle_s, 0e0) as idle_s,
        coalesce(t.harsh_brake_count, 0) as harsh_brake_count,
        coalesce(t.harsh_accel_count, 0) as harsh_accel_count,
        s.samples_received,
        e.samples_expected,
        s.min_battery_v,
        s.min_battery_v_off,
        coalesce(b.low_voltage_events, 0) as low_voltage_events,
        coalesce(d.dtc_count, 0) as dtc_count
    from sample_stats as s
    inner join expected_stats as e on e.vehicle_id = s.vehicle_id and e.dt = s.dt
    left join trip_stats as t on t.vehicle_id = s.vehicle_id and t.dt = s.dt
    left join battery_stats as b on b.vehicle_id = s.vehicle_id and b.dt = s.dt
    left join dtc_stats as d on d.vehicle_id = s.vehicle_id and d.dt = s.dt

),

final as (

    select
        vehicle_id,
        dt,
        cast(trip_count as bigint) as trip_count,
        cast(distance_km as double) as distance_km,
        cast(drive_s as double) as drive_s,
        cast(idle_s as double) as idle_s,
        cast(harsh_brake_count as bigint) as harsh_brake_count,
        cast(harsh_accel_count as bigint) as harsh_accel_count,
        cast(
            case when distance_km > 0 then (harsh_brake_count + harsh_accel_count) * 100e0 / distance_km end
            as double
        ) as harsh_per_100km,
        cast(samples_received as bigint) as samples_received,
        cast(samples_expected as bigint) as samples_expected,
        cast(case when samples_expected > 0 then samples_received / cast(samples_expected as double) end as double)
            as completeness,
        cast(min_battery_v as double) as min_battery_v,
        cast(min_battery_v_off as double) as min_battery_v_off,
        cast(low_voltage_events as bigint) as low_voltage_events,
        cast(dtc_count as bigint) as dtc_count
    from joined

)

select * from final
