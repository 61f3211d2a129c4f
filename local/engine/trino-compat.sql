-- Trino (Athena engine v3) functions that DuckDB lacks or spells differently, as DuckDB macros.
-- Loaded into every local query connection (local/engine/query.ts); pinned by trino-compat.test.ts.
-- Macros shadow DuckDB built-ins of the same name; overloads by arity keep DuckDB's own 2-argument date_add.

-- Interval of `n` units (Trino interval units: millisecond .. year).
CREATE OR REPLACE MACRO trino_interval(unit, n) AS
  CASE lower(unit)
    WHEN 'millisecond' THEN to_milliseconds(n)
    WHEN 'second' THEN to_seconds(n)
    WHEN 'minute' THEN to_minutes(n)
    WHEN 'hour' THEN to_hours(n)
    WHEN 'day' THEN to_days(CAST(n AS INTEGER))
    WHEN 'week' THEN to_weeks(CAST(n AS INTEGER))
    WHEN 'month' THEN to_months(CAST(n AS INTEGER))
    WHEN 'quarter' THEN to_months(CAST(3 * n AS INTEGER))
    WHEN 'year' THEN to_years(CAST(n AS INTEGER))
    ELSE error('date_add: unknown unit ' || unit)
  END;

-- date_add(unit, value, x) -> same type as x. The 2-argument form is DuckDB's (x + interval).
CREATE OR REPLACE MACRO date_add
  (a, b) AS a + b,
  (unit, n, x DATE) AS CAST(x + trino_interval(unit, n) AS DATE),
  (unit, n, x TIMESTAMP) AS x + trino_interval(unit, n),
  (unit, n, x TIMESTAMP WITH TIME ZONE) AS x + trino_interval(unit, n);

-- date_diff(unit, x1, x2) -> bigint: whole units from x1 to x2 (Trino), which DuckDB calls date_sub.
CREATE OR REPLACE MACRO date_diff(unit, x1, x2) AS date_sub(lower(unit), x1, x2);

-- Unix seconds <-> timestamp (session time zone is UTC, as in Athena).
CREATE OR REPLACE MACRO from_unixtime(unixtime) AS make_timestamp(CAST(round(CAST(unixtime AS DOUBLE) * 1000000) AS BIGINT));
CREATE OR REPLACE MACRO to_unixtime(x) AS epoch_us(CAST(x AS TIMESTAMP)) / 1000000.0;

-- MySQL-style format string (Trino date_format/date_parse) -> DuckDB strftime/strptime format.
CREATE OR REPLACE MACRO trino_mysql_format(fmt) AS
  -- %% is parked as chr(0) and each translated specifier is written with chr(1) for '%', so no
  -- replacement ever sees another's output; %a %b %d %f %H %I %j %m %p %S %Y %y mean the same in both.
  replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(fmt, '%%', chr(0)),
    '%c', '' || chr(1) || '-m'),
    '%e', '' || chr(1) || '-d'),
    '%h', '' || chr(1) || 'I'),
    '%i', '' || chr(1) || 'M'),
    '%k', '' || chr(1) || '-H'),
    '%l', '' || chr(1) || '-I'),
    '%M', '' || chr(1) || 'B'),
    '%r', '' || chr(1) || 'I:' || chr(1) || 'M:' || chr(1) || 'S ' || chr(1) || 'p'),
    '%s', '' || chr(1) || 'S'),
    '%T', '' || chr(1) || 'H:' || chr(1) || 'M:' || chr(1) || 'S'),
    '%v', '' || chr(1) || 'V'),
    '%W', '' || chr(1) || 'A'),
    '%x', '' || chr(1) || 'G'),
    chr(1), '%'), chr(0), '%%');
CREATE OR REPLACE MACRO date_format(x, fmt) AS strftime(x, trino_mysql_format(fmt));
-- date_parse(s, fmt): strptime needs a constant format, which a macro body cannot give it, so
-- query.ts rewrites date_parse(s, '<literal>') to strptime(s, '<translated>') before running.

-- approx_percentile(x, p): Trino's digest answers with a value of x, the one at rank floor(p * n) of the
-- sorted non-null values (exact for small inputs); computed exactly here.
CREATE OR REPLACE MACRO approx_percentile(x, p) AS
  list_sort(list(x) FILTER (WHERE x IS NOT NULL))[CAST(least(floor(p * count(x)), count(x) - 1) AS BIGINT) + 1];

CREATE OR REPLACE MACRO cardinality(x) AS CAST(len(x) AS BIGINT);
CREATE OR REPLACE MACRO regexp_like(s, pattern) AS regexp_matches(s, pattern);
-- Trino returns NULL when the path selects an object or array.
CREATE OR REPLACE MACRO json_extract_scalar(j, path) AS
  CASE WHEN json_type(CAST(j AS JSON), path) IN ('OBJECT', 'ARRAY') THEN NULL ELSE json_extract_string(CAST(j AS JSON), path) END;
