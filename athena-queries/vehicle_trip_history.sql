-- vehicle_trip_history
-- purpose: Trips of one vehicle in a date range, newest first (location-safe: reads trips_public).
-- parameters: 1. vehicle_id, e.g. 'V0001', 2. first day, 3. last day (inclusive).
-- grain: one row per trip.
WITH vehicle_trips AS (
    SELECT *
    FROM trips_public
    WHERE vehicle_id = ?
        AND dt BETWEEN CAST(? AS DATE) AND CAST(? AS DATE)
),

final AS (
    SELECT
        trip_id,
        dt,
        start_ts,
        end_ts,
        round(duration_s / 60.0, 1) AS duration_min,
        round(distance_km, 3) AS distance_km,
        round(avg_speed_kmh, 1) AS avg_speed_kmh,
        round(max_speed_kmh, 1) AS max_speed_kmh,
        round(idle_s / 60.0, 1) AS idle_min,
        harsh_brake_count,
        harsh_accel_count,
        start_geohash6,
        end_geohash6,
        samples
    FROM vehicle_trips
)

SELECT * FROM final
ORDER BY start_ts DESC
