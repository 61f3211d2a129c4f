-- gold.dtc_events
-- grain: one row per vehicle, diagnostic trouble code and UTC day (dt = UTC date of the samples).
-- layer: gold
-- sort_by: vehicle_id, code
-- input: telemetry (01_telemetry)

with source as (

    select * from telemetry

),

renamed as (

    select
        vehicle_id,
        ts,
        cast(ts as date) as dt,
        dtc
    from source
    where dtc is not null

),

codes as (

    select
        vehicle_id,
        ts,
        dt,
        explode(dtc) as code
    from renamed

),

final as (

    select
        vehicle_id,
        code,
        min(ts) as first_seen_ts,
        max(ts) as last_seen_ts,
        cast(count(*) as bigint) as samples,
        dt
    from codes
    group by vehicle_id, code, dt

)

select * from final
