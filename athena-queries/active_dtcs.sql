-- active_dtcs
-- purpose: Diagnostic trouble codes seen in the last N days, per vehicle and code, with first and last seen.
-- parameters: 1. first day of the window (last day - N + 1), 2. last day (inclusive).
-- grain: one row per (vehicle_id, code) seen in the window.
WITH code_days AS (
    SELECT
        vehicle_id,
        code,
        dt,
        first_seen_ts,
        last_seen_ts,
        samples
    FROM dtc_events
    WHERE dt BETWEEN CAST(? AS DATE) AND CAST(? AS DATE)
),

final AS (
    SELECT
        vehicle_id,
        code,
        min(first_seen_ts) AS first_seen_ts,
        max(last_seen_ts) AS last_seen_ts,
        count(DISTINCT dt) AS days_seen,
        sum(samples) AS samples
    FROM code_days
    GROUP BY vehicle_id, code
)

SELECT * FROM final
ORDER BY last_seen_ts DESC, vehicle_id, code
