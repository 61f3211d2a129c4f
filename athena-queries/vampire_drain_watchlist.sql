-- vampire_drain_watchlist
-- purpose: Vehicles whose 12 V battery drains while parked: low_voltage events, or min_battery_v_off falling by >= 0.2 V over the range.
-- parameters: 1. first day, 2. last day (inclusive).
-- grain: one row per vehicle on the watchlist.
WITH vehicle_days AS (
    SELECT
        vehicle_id,
        dt,
        min_battery_v_off,
        low_voltage_events
    FROM vehicle_daily
    WHERE dt BETWEEN CAST(? AS DATE) AND CAST(? AS DATE)
),

parked_voltage AS (
    SELECT
        vehicle_id,
        count(*) AS parked_days,
        min_by(min_battery_v_off, dt) AS first_v_off,
        max_by(min_battery_v_off, dt) AS last_v_off,
        min(min_battery_v_off) AS lowest_v_off
    FROM vehicle_days
    WHERE min_battery_v_off IS NOT NULL
    GROUP BY vehicle_id
),

events AS (
    SELECT
        vehicle_id,
        sum(low_voltage_events) AS low_voltage_events
    FROM vehicle_days
    GROUP BY vehicle_id
),

final AS (
    SELECT
        e.vehicle_id,
        e.low_voltage_events,
        p.parked_days,
        p.first_v_off,
        p.last_v_off,
        p.lowest_v_off,
        round(p.last_v_off - p.first_v_off, 3) AS v_off_change
    FROM events AS e
    LEFT JOIN parked_voltage AS p ON p.vehicle_id = e.vehicle_id
)

SELECT * FROM final
WHERE low_voltage_events > 0 OR v_off_change <= -0.2
ORDER BY low_voltage_events DESC, v_off_change ASC, vehicle_id
