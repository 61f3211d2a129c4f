-- data_completeness
-- purpose: Vehicle-days whose completeness (samples received / expected) is below a threshold.
-- parameters: 1. first day, 2. last day (inclusive), 3. threshold, e.g. 0.95.
-- grain: one row per (vehicle_id, dt) below the threshold.
WITH vehicle_days AS (
    SELECT
        vehicle_id,
        dt,
        samples_received,
        samples_expected,
        completeness
    FROM vehicle_daily
    WHERE dt BETWEEN CAST(? AS DATE) AND CAST(? AS DATE)
),

final AS (
    SELECT
        vehicle_id,
        dt,
        samples_received,
        samples_expected,
        samples_expected - samples_received AS samples_missing,
        round(completeness, 4) AS completeness
    FROM vehicle_days
    WHERE completeness < CAST(? AS DOUBLE)
)

SELECT * FROM final
ORDER BY completeness ASC, vehicle_id, dt
