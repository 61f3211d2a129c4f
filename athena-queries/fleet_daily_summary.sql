-- fleet_daily_summary
-- purpose: Fleet totals per UTC day: vehicles, trips, distance, drive and idle hours, harsh events per 100 km.
-- parameters: 1. first day, 2. last day (inclusive); DATE '2026-03-01' or '2026-03-01'.
-- grain: one row per day (dt) with data.
WITH vehicle_days AS (
    SELECT
        dt,
        vehicle_id,
        trip_count,
        distance_km,
        drive_s,
        idle_s,
        harsh_brake_count + harsh_accel_count AS harsh_events
    FROM vehicle_daily
    WHERE dt BETWEEN CAST(? AS DATE) AND CAST(? AS DATE)
),

daily AS (
    SELECT
        dt,
        count(DISTINCT vehicle_id) AS vehicles,
        sum(trip_count) AS trips,
        sum(distance_km) AS distance_km,
        sum(drive_s) / 3600.0 AS drive_h,
        sum(idle_s) / 3600.0 AS idle_h,
        sum(harsh_events) AS harsh_events
    FROM vehicle_days
    GROUP BY dt
),

final AS (
    SELECT
        dt,
        vehicles,
        trips,
        round(distance_km, 3) AS distance_km,
        round(drive_h, 3) AS drive_h,
        round(idle_h, 3) AS idle_h,
        harsh_events,
        CASE WHEN distance_km > 0 THEN round(harsh_events * 100.0 / distance_km, 3) END AS harsh_per_100km
    FROM daily
)

SELECT * FROM final
ORDER BY dt
