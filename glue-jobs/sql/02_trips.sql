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
        lag(ts_ms) over (partition by vehicle_id, trip_seq order by ts_ms) as prev_ms,
        lag(speed_kmh) over (partition by vehicle_id, trip_seq order by ts_ms) as prev_speed_kmh
    from numbered
    where ignition

),

-- when each trip's first and last GPS fix and fuel reading were taken
trip_bounds as (

    select
        vehicle_id,
        trip_seq,
        min(case when lat is not null then ts_ms end) as first_fix_ms,
        max(case when lat is not null then ts_ms end) as last_fix_ms,
        min(case when fuel_level_pct is not null then ts_ms end) as first_fuel_ms,
        max(case when fuel_level_pct is not null then ts_ms end) as last_fuel_ms
    from trip_samples
    group by vehicle_id, trip_seq

),

-- longitudinal acceleration in g: accel_x_g, else dv/dt between consecutive samples (9.80665 m/s^2 = 1 g)
accelerations as (

    select
        trip_samples.*,
        coalesce(
            accel_x_g,
            case
                when prev_ms is not null and ts_ms > prev_ms
                then (speed_kmh - prev_speed_kmh) / 3.6e0 / ((ts_ms - prev_ms) / 1000e0) / 9.80665e0
            end
        ) as long_accel_g
    from trip_samples

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

fixes as (

    select
        vehicle_id,
        trip_seq,
        ts_ms,
        lat,
        lon,
        lag(ts_ms) over (partition by vehicle_id, trip_seq order by ts_ms) as prev_fix_ms,
        lag(lat) over (partition by vehicle_id, trip_seq order by ts_ms) as prev_lat,
        lag(lon) over (partition by vehicle_id, trip_seq order by ts_ms) as prev_lon
    from trip_samples
    where lat is not null and lon is not null

),

-- haversine, R = 6371.0088 km (mean Earth radius)
segments as (

    select
        vehicle_id,
        trip_seq,
        (ts_ms - prev_fix_ms) / 1000e0 as segment_s,
        2e0 * 6371.0088e0 * asin(sqrt(
            power(sin(radians(lat - prev_lat) / 2e0), 2)
            + cos(radians(prev_lat)) * cos(radians(lat)) * power(sin(radians(lon - prev_lon) / 2e0), 2)
        )) as segment_km
    from fixes
    where prev_fix_ms is not null

),

-- segments implying > 250 km/h are GPS jumps and do not count. Summed as integer micrometres: an integer sum
-- does not depend on the order a parallel engine adds in, so reruns are byte-identical.
trip_distance as (

    select
        vehicle_id,
        trip_seq,
        sum(
            case
                when segment_s > 0 and segment_km / (segment_s / 3600e0) <= 250e0
                then cast(round(segment_km * 1e9) as bigint)
                else 0
            end
        ) / 1e9 as distance_km
    from segments
    group by vehicle_id, trip_seq

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
        sum(case when speed_kmh < 2 and next_ms is not null then next_ms - ts_ms else 0 end) / 1000e0 as idle_s,
        sum(brake_episode_start) as harsh_brake_count,
        sum(accel_episode_start) as harsh_accel_count,
        max(case when ts_ms = first_fuel_ms then fuel_level_pct end)
            - max(case when ts_ms = last_fuel_ms then fuel_level_pct end) as fuel_used_pct,
        max(case when ts_ms = first_fix_ms then lat end) as start_lat,
        max(case when ts_ms = first_fix_ms then lon end) as start_lon,
        max(case when ts_ms = last_fix_ms then lat end) as end_lat,
        max(case when ts_ms = last_fix_ms then lon end) as end_lon,
        count(*) as samples
    from episodes
    inner join trip_bounds using (vehicle_id, trip_seq)
    group by vehicle_id, trip_seq

),

-- geohash (base32, 6 characters = 15 longitude + 15 latitude bits, interleaved starting with longitude)
trip_ends as (

    select vehicle_id, trip_seq, 'start' as which, start_lat as lat, start_lon as lon from trip_aggregates
    union all
    select vehicle_id, trip_seq, 'end' as which, end_lat as lat, end_lon as lon from trip_aggregates

),

geohash_cells as (

    select
        vehicle_id,
        trip_seq,
        which,
        lat,
        least(floor((lon + 180e0) / 360e0 * 32768e0), 32767e0) as x,
        least(floor((lat + 90e0) / 180e0 * 32768e0), 32767e0) as y
    from trip_ends
    where lat is not null and lon is not null

),

-- bit k of a 15-bit cell index, counted from the most significant bit: floor(i / 2^(14-k)) % 2
geohash_chars as (

    select
        vehicle_id,
        trip_seq,
        which,
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
    from geohash_cells

),

geohashes as (

    select
        vehicle_id,
        trip_seq,
        which,
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
        gs.geohash6 as start_geohash6,
        ge.geohash6 as end_geohash6,
        cast(t.start_ts as date) as dt
    from trip_aggregates as t
    left join trip_distance as d
        on d.vehicle_id = t.vehicle_id and d.trip_seq = t.trip_seq
    left join geohashes as gs
        on gs.vehicle_id = t.vehicle_id and gs.trip_seq = t.trip_seq and gs.which = 'start'
    left join geohashes as ge
        on ge.vehicle_id = t.vehicle_id and ge.trip_seq = t.trip_seq and ge.which = 'end'

)

select * from final
