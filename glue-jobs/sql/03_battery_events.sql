-- gold.battery_events
-- grain: one row per ignition-off period (a maximal run of one vehicle's ignition-off samples) in which
--   battery_v falls below 11.5 V. dt = UTC date of start_ts (the first sample below 11.5 V).
-- layer: gold
-- sort_by: vehicle_id, off_start_ts
-- input: telemetry (01_telemetry over D-1..D+1; an off period is seen from D-1 00:00 at the earliest)

with source as (

    select * from telemetry

),

renamed as (

    select
        vehicle_id,
        ts,
        unix_millis(ts) as ts_ms,
        ignition,
        battery_v
    from source

),

flagged as (

    select
        renamed.*,
        case
            when not ignition
                and coalesce(lag(ignition) over (partition by vehicle_id order by ts_ms), true)
            then 1 else 0
        end as is_off_start
    from renamed

),

numbered as (

    select
        flagged.*,
        sum(is_off_start) over (
            partition by vehicle_id order by ts_ms rows between unbounded preceding and current row
        ) as off_seq
    from flagged

),

off_samples as (

    select
        vehicle_id,
        ts,
        ts_ms,
        off_seq,
        battery_v,
        min(ts_ms) over (partition by vehicle_id, off_seq) as off_start_ms,
        min(battery_v) over (partition by vehicle_id, off_seq) as period_min_v
    from numbered
    where not ignition

),

periods as (

    select
        vehicle_id,
        off_seq,
        min(ts) as off_start_ts,
        min(case when battery_v < 11.5e0 then ts end) as start_ts,
        max(ts) as end_ts,
        max(case when ts_ms = off_start_ms then battery_v end) as start_battery_v,
        min(battery_v) as min_battery_v,
        min(off_start_ms) as off_start_ms,
        min(case when battery_v = period_min_v then ts_ms end) as min_ms
    from off_samples
    group by vehicle_id, off_seq

),

final as (

    select
        vehicle_id,
        'low_voltage' as event_type,
        off_start_ts,
        start_ts,
        end_ts,
        cast(start_battery_v as double) as start_battery_v,
        cast(min_battery_v as double) as min_battery_v,
        cast(
            case
                when min_ms > off_start_ms
                then (start_battery_v - min_battery_v) / ((min_ms - off_start_ms) / 3600000e0)
            end
            as double
        ) as drain_v_per_h,
        cast(start_ts as date) as dt
    from periods
    where min_battery_v < 11.5e0

)

select * from final
