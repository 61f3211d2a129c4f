-- harsh_driving_leaderboard
-- purpose: Vehicles ranked by harsh braking + acceleration events per 100 km over a date range (worst first).
-- parameters: 1. first day, 2. last day (inclusive).
-- grain: one row per vehicle that drove in the range.
WITH vehicle_days AS (
    SELECT
        vehicle_id,
        distance_km,
        harsh_brake_count,
        harsh_accel_count
    FROM vehicle_daily
    WHERE dt BETWEEN CAST(? AS DATE) AND CAST(? AS DATE)
),

per_vehicle AS (
    SELECT
        vehicle_id,
        sum(distance_km) AS distance_km,
        sum(harsh_brake_count) AS harsh_brakes,
        sum(harsh_accel_count) AS harsh_accels
    FROM vehicle_days
    GROUP BY vehicle_id
    HAVING sum(distance_km) > 0
),

final AS (
    SELECT
        rank() OVER (ORDER BY (harsh_brakes + harsh_accels) / distance_km DESC) AS leaderboard_rank,
        vehicle_id,
        round(distance_km, 3) AS distance_km,
        harsh_brakes,
        harsh_accels,
        round((harsh_brakes + harsh_accels) * 100.0 / distance_km, 3) AS harsh_per_100km
    FROM per_vehicle
)

SELECT * FROM final
ORDER BY leaderboard_rank, vehicle_id
