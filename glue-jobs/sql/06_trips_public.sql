-- gold.trips_public: gold.trips without exact coordinates, in its own prefix (the table analysts get).
-- grain: one row per trip, the same rows as gold.trips; start and end only as geohash-6 (about 1.2 km x 0.6 km).
-- layer: gold
-- sort_by: vehicle_id, start_ts
-- input: trips (02_trips)

with source as (

    select * from trips

),

final as (

    select
        vehicle_id,
        trip_id,
        start_ts,
        end_ts,
        duration_s,
        distance_km,
        avg_speed_kmh,
        max_speed_kmh,
        idle_s,
        harsh_brake_count,
        harsh_accel_count,
        fuel_used_pct,
        samples,
        start_geohash6,
        end_geohash6,
        dt
    from source

)

select * from final
