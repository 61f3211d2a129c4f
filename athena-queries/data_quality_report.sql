-- data_quality_report
-- purpose: Quarantined samples by reason and day, with the day's quarantine ratio = quarantined / (valid + quarantined).
-- parameters: 1. first day, 2. last day (inclusive) for quarantine (arrival date); 3., 4. the same two days for valid samples (event date).
-- grain: one row per (dt, reason); days with valid samples and no quarantine get reason 'none' and 0.
WITH quarantined AS (
    SELECT
        dt,
        reason
    FROM quarantine
    WHERE dt BETWEEN CAST(? AS DATE) AND CAST(? AS DATE)
),

valid AS (
    SELECT
        dt,
        sum(samples_received) AS valid_samples
    FROM vehicle_daily
    WHERE dt BETWEEN CAST(? AS DATE) AND CAST(? AS DATE)
    GROUP BY dt
),

by_reason AS (
    SELECT
        dt,
        reason,
        count(*) AS quarantined
    FROM quarantined
    GROUP BY dt, reason
),

by_day AS (
    SELECT
        coalesce(v.dt, q.dt) AS dt,
        coalesce(v.valid_samples, 0) AS valid_samples,
        coalesce(q.quarantined, 0) AS quarantined_day
    FROM valid AS v
    FULL OUTER JOIN (SELECT dt, sum(quarantined) AS quarantined FROM by_reason GROUP BY dt) AS q ON q.dt = v.dt
),

final AS (
    SELECT
        d.dt,
        coalesce(r.reason, 'none') AS reason,
        coalesce(r.quarantined, 0) AS quarantined,
        d.quarantined_day,
        d.valid_samples,
        round(CAST(d.quarantined_day AS DOUBLE) / nullif(d.valid_samples + d.quarantined_day, 0), 6) AS quarantine_ratio
    FROM by_day AS d
    LEFT JOIN by_reason AS r ON r.dt = d.dt
)

SELECT * FROM final
ORDER BY dt, quarantined DESC, reason
