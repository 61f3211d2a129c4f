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
        ignition,
        battery_v
    from telemetry

),

-- expected = 10 per ignition-on second + 1 per ignition-off minute covered by data
sample_stats as (

    select
        vehicle_id,
        dt,
        count(*) as samples_received,
        count(distinct case when ignition then floor(ts_ms / 1000e0) end) * 10
            + count(distinct case when not ignition then floor(ts_ms / 60000e0) end) as samples_expected,
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
        s.samples_expected,
        s.min_battery_v,
        s.min_battery_v_off,
        coalesce(b.low_voltage_events, 0) as low_voltage_events,
        coalesce(d.dtc_count, 0) as dtc_count
    from sample_stats as s
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
