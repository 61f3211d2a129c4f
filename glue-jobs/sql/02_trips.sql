-- gold.trips
-- grain: one row per trip = a maximal run of one vehicle's samples with ignition = true in which
--   consecutive samples are <= 300 s apart. dt = UTC date of the trip start.
-- layer: gold
-- sort_by: vehicle_id, start_ts
-- input: telemetry (01_telemetry over D-1..D+1, so trips crossing midnight are whole)

with source as (

    select * from telemetry

),

renamed as (

    select
        vehicle_id,
        ts,
        unix_millis(ts) as ts_ms,
        ignition,
        lat,
        lon,
        coalesce(speed_kmh, gps_speed_kmh) as speed_kmh,
        accel_x_g,
        fuel_level_pct
    from source

),

-- a trip starts at an ignition-on sample whose predecessor is missing, ignition-off, or > 300 s earlier
flagged as (

    select
        renamed.*,
        case
            when ignition
                and (
                    lag(ignition) over (partition by vehicle_id order by ts_ms) is null
                    or not lag(ignition) over (partition by vehicle_id order by ts_ms)
                    or ts_ms - lag(ts_ms) over (partition by vehicle_id order by ts_ms) > 300000
                )
            then 1 else 0
        end as is_trip_start
    from renamed

),

numbered as (

    select
        flagged.*,
        sum(is_trip_start) over (
            partition by vehicle_id order by ts_ms rows between unbounded preceding and current row
        ) as trip_seq
    from flagged

),

trip_samples as (

    select
        vehicle_id,
        ts,
        ts_ms,
        trip_seq,
        lat,
        lon,
        speed_kmh,
        accel_x_g,
        fuel_level_pct,
        lead(ts_ms) over (partition by vehicle_id, trip_seq order by ts_ms) as next_ms,
        lead(speed_kmh) over (partition by vehicle_id, trip_seq order by ts_ms) as next_speed_kmh,
        lag(ts_ms) over (partition by vehicle_id, trip_seq order by ts_ms) as prev_ms,
        lag(speed_kmh) over (partition by vehicle_id, trip_seq order by ts_ms) as prev_speed_kmh,
        max(speed_kmh) over (partition by vehicle_id, trip_seq) as trip_max_speed_kmh,
        -- when the trip's first and last GPS fix and fuel reading were taken
        min(case when lat is not null then ts_ms end) over (partition by vehicle_id, trip_seq) as first_fix_ms,
        max(case when lat is not null then ts_ms end) over (partition by vehicle_id, trip_seq) as last_fix_ms,
        min(case when fuel_level_pct is not null then ts_ms end) over (partition by vehicle_id, trip_seq) as first_fuel_ms,
        max(case when fuel_level_pct is not null then ts_ms end) over (partition by vehicle_id, trip_seq) as last_fuel_ms
    from numbered
    where ignition

),

-- Each sample owns the interval to the next trip sample. An interval of <= 2 s is dense: its two speeds bound the
-- speed in it. A longer one is a gap in the data: its speed is unknown (so it is never idle), at most the trip's top.
intervals as (

    select
        trip_samples.*,
        next_ms - ts_ms as interval_ms,
        case
            when next_ms - ts_ms <= 2000 and coalesce(speed_kmh, next_speed_kmh) is not null
            then greatest(coalesce(speed_kmh, next_speed_kmh), coalesce(next_speed_kmh, speed_kmh))
            else coalesce(trip_max_speed_kmh, 250e0)
        end as bound_kmh
    from trip_samples

),

-- reach: how far the recorded speeds let the vehicle go from the trip's first sample to this one (integer
-- micrometres, rounded down: exact sums, never more than the speeds allow)
reaches as (

    select
        intervals.*,
        coalesce(sum(coalesce(cast(floor(bound_kmh * interval_ms * 1e9 / 3600000e0) as bigint), 0)) over (
            partition by vehicle_id, trip_seq order by ts_ms rows between unbounded preceding and 1 preceding
        ), 0) as reach_um
    from intervals

),

-- longitudinal acceleration in g: accel_x_g, else dv/dt between consecutive samples (9.80665 m/s^2 = 1 g)
accelerations as (

    select
        reaches.*,
        coalesce(
            accel_x_g,
            case
                when prev_ms is not null and ts_ms > prev_ms
                then (speed_kmh - prev_speed_kmh) / 3.6e0 / ((ts_ms - prev_ms) / 1000e0) / 9.80665e0
            end
        ) as long_accel_g
    from reaches

),

harsh_flags as (

    select
        accelerations.*,
        case when long_accel_g <= -0.40e0 then 1 else 0 end as is_brake,
        case when long_accel_g >= 0.35e0 then 1 else 0 end as is_accel
    from accelerations

),

-- consecutive qualifying samples form one episode: count the first sample of each run
episodes as (

    select
        harsh_flags.*,
        case
            when is_brake = 1 and coalesce(lag(is_brake) over (partition by vehicle_id, trip_seq order by ts_ms), 0) = 0
            then 1 else 0
        end as brake_episode_start,
        case
            when is_accel = 1 and coalesce(lag(is_accel) over (partition by vehicle_id, trip_seq order by ts_ms), 0) = 0
            then 1 else 0
        end as accel_episode_start
    from harsh_flags

),

-- GPS fixes thinned to the first of each 5 s of epoch time, and the trip's last fix: at 10 Hz a fix's jitter (~1 m) is
-- as large as the 0.1 s step, so chords between consecutive fixes add the jitter up; over 5 s it is a small fraction
fix_buckets as (

    select
        vehicle_id,
        trip_seq,
        ts_ms,
        lat,
        lon,
        reach_um,
        floor(ts_ms / 5000e0) as fix_bucket,
        lag(floor(ts_ms / 5000e0)) over (partition by vehicle_id, trip_seq order by ts_ms) as prev_fix_bucket,
        lead(ts_ms) over (partition by vehicle_id, trip_seq order by ts_ms) as next_fix_ms
    from reaches
    where lat is not null and lon is not null

),

fixes as (

    select
        fix_buckets.*,
        lag(ts_ms) over (partition by vehicle_id, trip_seq order by ts_ms) as prev_fix_ms,
        lag(lat) over (partition by vehicle_id, trip_seq order by ts_ms) as prev_lat,
        lag(lon) over (partition by vehicle_id, trip_seq order by ts_ms) as prev_lon,
        lag(reach_um) over (partition by vehicle_id, trip_seq order by ts_ms) as prev_reach_um
    from fix_buckets
    where prev_fix_bucket is null or fix_bucket <> prev_fix_bucket or next_fix_ms is null

),

-- haversine, R = 6371.0088 km (mean Earth radius)
segments as (

    select
        vehicle_id,
        trip_seq,
        (ts_ms - prev_fix_ms) / 1000e0 as segment_s,
        reach_um - prev_reach_um as segment_reach_um,
        2e0 * 6371.0088e0 * asin(sqrt(
            power(sin(radians(lat - prev_lat) / 2e0), 2)
            + cos(radians(prev_lat)) * cos(radians(lat)) * power(sin(radians(lon - prev_lon) / 2e0), 2)
        )) as segment_km
    from fixes
    where prev_fix_ms is not null

),

-- A segment implying > 250 km/h is a GPS jump and does not count; any other counts at most its reach, so jitter while
-- standing counts 0 and no trip is faster on average than its top speed. Summed as integer micrometres: an integer
-- sum does not depend on the order a parallel engine adds in, so reruns are byte-identical.
trip_distance as (

    select
        vehicle_id,
        trip_seq,
        sum(
            case
                when segment_s > 0 and segment_km / (segment_s / 3600e0) <= 250e0
                then least(cast(round(segment_km * 1e9) as bigint), segment_reach_um)
                else 0
            end
        ) / 1e9 as distance_km
    from segments
    group by vehicle_id, trip_seq

),

-- geohash (base32, 6 characters = 15 longitude + 15 latitude bits, interleaved starting with longitude) of the
-- trip's first and last fix, computed on those two sample rows (null on the others) so the trip is aggregated once
fix_cells as (

    select
        episodes.*,
        case
            when ts_ms = first_fix_ms or ts_ms = last_fix_ms
            then least(floor((lon + 180e0) / 360e0 * 32768e0), 32767e0)
        end as x,
        case
            when ts_ms = first_fix_ms or ts_ms = last_fix_ms
            then least(floor((lat + 90e0) / 180e0 * 32768e0), 32767e0)
        end as y
    from episodes

),

-- bit k of a 15-bit cell index, counted from the most significant bit: floor(i / 2^(14-k)) % 2
geohash_chars as (

    select
        fix_cells.*,
        floor(x / 16384e0) % 2 * 16 + floor(y / 16384e0) % 2 * 8 + floor(x / 8192e0) % 2 * 4
            + floor(y / 8192e0) % 2 * 2 + floor(x / 4096e0) % 2 as c1,
        floor(y / 4096e0) % 2 * 16 + floor(x / 2048e0) % 2 * 8 + floor(y / 2048e0) % 2 * 4
            + floor(x / 1024e0) % 2 * 2 + floor(y / 1024e0) % 2 as c2,
        floor(x / 512e0) % 2 * 16 + floor(y / 512e0) % 2 * 8 + floor(x / 256e0) % 2 * 4
            + floor(y / 256e0) % 2 * 2 + floor(x / 128e0) % 2 as c3,
        floor(y / 128e0) % 2 * 16 + floor(x / 64e0) % 2 * 8 + floor(y / 64e0) % 2 * 4
            + floor(x / 32e0) % 2 * 2 + floor(y / 32e0) % 2 as c4,
        floor(x / 16e0) % 2 * 16 + floor(y / 16e0) % 2 * 8 + floor(x / 8e0) % 2 * 4
            + floor(y / 8e0) % 2 * 2 + floor(x / 4e0) % 2 as c5,
        floor(y / 4e0) % 2 * 16 + floor(x / 2e0) % 2 * 8 + floor(y / 2e0) % 2 * 4
            + floor(x / 1e0) % 2 * 2 + floor(y / 1e0) % 2 as c6
    from fix_cells

),

geohashes as (

    select
        geohash_chars.*,
        concat(
            substr('0123456789bcdefghjkmnpqrstuvwxyz', cast(c1 as int) + 1, 1),
            substr('0123456789bcdefghjkmnpqrstuvwxyz', cast(c2 as int) + 1, 1),
            substr('0123456789bcdefghjkmnpqrstuvwxyz', cast(c3 as int) + 1, 1),
            substr('0123456789bcdefghjkmnpqrstuvwxyz', cast(c4 as int) + 1, 1),
            substr('0123456789bcdefghjkmnpqrstuvwxyz', cast(c5 as int) + 1, 1),
            substr('0123456789bcdefghjkmnpqrstuvwxyz', cast(c6 as int) + 1, 1)
        ) as geohash6
    from geohash_chars

),

trip_aggregates as (

    select
        vehicle_id,
        trip_seq,
        min(ts_ms) as start_ms,
        max(ts_ms) as end_ms,
        min(ts) as start_ts,
        max(ts) as end_ts,
        max(speed_kmh) as max_speed_kmh,
        sum(case when speed_kmh < 2 and interval_ms <= 2000 then interval_ms else 0 end) / 1000e0 as idle_s,
        sum(brake_episode_start) as harsh_brake_count,
        sum(accel_episode_start) as harsh_accel_count,
        max(case when ts_ms = first_fuel_ms then fuel_level_pct end)
            - max(case when ts_ms = last_fuel_ms then fuel_level_pct end) as fuel_used_pct,
        max(case when ts_ms = first_fix_ms then lat end) as start_lat,
        max(case when ts_ms = first_fix_ms then lon end) as start_lon,
        max(case when ts_ms = last_fix_ms then lat end) as end_lat,
        max(case when ts_ms = last_fix_ms then lon end) as end_lon,
        max(case when ts_ms = first_fix_ms then geohash6 end) as start_geohash6,
        max(case when ts_ms = last_fix_ms then geohash6 end) as end_geohash6,
        count(*) as samples
    from geohashes
    group by vehicle_id, trip_seq

),

final as (

    select
        t.vehicle_id,
        concat(t.vehicle_id, '-', cast(t.start_ms as string)) as trip_id,
        t.start_ts,
        t.end_ts,
        cast((t.end_ms - t.start_ms) / 1000e0 as double) as duration_s,
        cast(coalesce(d.distance_km, 0e0) as double) as distance_km,
        cast(
            case when t.end_ms > t.start_ms then coalesce(d.distance_km, 0e0) / ((t.end_ms - t.start_ms) / 3600000e0) end
            as double
        ) as avg_speed_kmh,
        cast(t.max_speed_kmh as double) as max_speed_kmh,
        cast(t.idle_s as double) as idle_s,
        cast(t.harsh_brake_count as bigint) as harsh_brake_count,
        cast(t.harsh_accel_count as bigint) as harsh_accel_count,
        cast(t.fuel_used_pct as double) as fuel_used_pct,
        cast(t.start_lat as double) as start_lat,
        cast(t.start_lon as double) as start_lon,
        cast(t.end_lat as double) as end_lat,
        cast(t.end_lon as double) as end_lon,
        cast(t.samples as bigint) as samples,
        t.start_geohash6,
        t.end_geohash6,
        cast(t.start_ts as date) as dt
    from trip_aggregates as t
    left join trip_distance as d
        on d.vehicle_id = t.vehicle_id and d.trip_seq = t.trip_seq

)

select * from final
