-- silver.telemetry: compacted, deduplicated samples.
-- grain: one row per (vehicle_id, ts); the earliest received_at wins across all parts.
-- layer: silver
-- sort_by: vehicle_id, ts
-- input: telemetry_parts (silver telemetry_parts of the run dates and their neighbours D-1..D+1)

with source as (

    select * from telemetry_parts

),

ranked as (

    select
        source.*,
        row_number() over (
            partition by vehicle_id, ts
            order by received_at asc nulls last, source_key asc nulls last, seq asc nulls last, battery_v asc nulls last
        ) as version_rank
    from source

),

final as (

    select
        vehicle_id, ts, seq, ignition, battery_v, lat, lon, gps_speed_kmh, heading_deg, alt_m, hdop,
        speed_kmh, rpm, engine_load_pct, throttle_pct, fuel_level_pct, coolant_c, intake_air_c, ambient_c,
        maf_gs, odometer_km, accel_x_g, accel_y_g, accel_z_g, dtc, received_at, source_key,
        cast(ts as date) as dt
    from ranked
    where version_rank = 1

)

select * from final
