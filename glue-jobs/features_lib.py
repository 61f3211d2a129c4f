"""Pure helpers of the features Glue job (no pyspark): arguments, lake paths, SQL steps.

The same SQL files run locally on DuckDB (local/engine/features.ts), which reads the same header comments.
"""

import datetime
import json
import os
import re

STEP_FILE = re.compile(r"^(\d{2})_([a-z][a-z0-9_]*)\.sql$")
BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
LAYERS = ("silver", "gold")
PARTS_PREFIX = "telemetry_parts"


def parse_dates(value):
    """`--dates`: "YYYY-MM-DD,YYYY-MM-DD" or a JSON array string (States.JsonToString). Sorted, unique, validated."""
    if value is None or not str(value).strip():
        raise ValueError("--dates is empty")
    text = str(value).strip()
    if text.startswith("["):
        try:
            items = json.loads(text)
        except json.JSONDecodeError as err:
            raise ValueError("--dates is not a valid JSON array: %s" % err) from err
        if not isinstance(items, list) or not all(isinstance(d, str) for d in items):
            raise ValueError("--dates JSON must be an array of strings")
    else:
        items = [d.strip() for d in text.split(",") if d.strip()]
    if not items:
        raise ValueError("--dates has no dates")
    for d in items:
        if not re.match(r"^\d{4}-\d{2}-\d{2}$", d):
            raise ValueError("invalid date %r: expected YYYY-MM-DD" % d)
        try:
            datetime.date.fromisoformat(d)
        except ValueError as err:
            raise ValueError("invalid date %r: %s" % (d, err)) from err
    return sorted(set(items))


def neighbour_window(dates, radius=1):
    """Every date within `radius` days of one of `dates`: the job reads D-1..D+1 to write D."""
    out = set()
    for d in dates:
        day = datetime.date.fromisoformat(d)
        for i in range(-radius, radius + 1):
            out.add((day + datetime.timedelta(days=i)).isoformat())
    return sorted(out)


def optional_arg(argv, name, default=None):
    """An optional job argument (`--name value` or `--name=value`): getResolvedOptions only handles required ones."""
    flag = "--" + name
    for i, a in enumerate(argv):
        if a == flag and i + 1 < len(argv):
            return argv[i + 1]
        if a.startswith(flag + "="):
            return a[len(flag) + 1:]
    return default


def parse_bool(value, name):
    text = str(value).strip().lower()
    if text in ("true", "1", "yes"):
        return True
    if text in ("false", "0", "no", ""):
        return False
    raise ValueError("--%s: expected true or false, got %r" % (name, value))


def run_dates(dates_arg, expand_neighbours_arg=None):
    """The dates whose partitions the run replaces: --dates, or D-1..D+1 of each with --expand_neighbours true."""
    dates = parse_dates(dates_arg)
    return neighbour_window(dates) if parse_bool(expand_neighbours_arg or "false", "expand_neighbours") else dates


def parse_bucket(value, name):
    """A bucket name (an `s3://bucket` URI is accepted too)."""
    bucket = (value or "").strip()
    if bucket.startswith("s3://"):
        bucket = bucket[len("s3://"):]
    bucket = bucket.rstrip("/")
    if not BUCKET.match(bucket) or ".." in bucket:
        raise ValueError("--%s: invalid bucket name %r" % (name, value))
    return bucket


def table_uri(bucket, prefix):
    """s3://bucket/prefix/ (the table root; partitions are dt=YYYY-MM-DD/ below it)."""
    return "s3://%s/%s/" % (bucket, prefix.strip("/"))


def partition_uri(bucket, prefix, date):
    return "%sdt=%s/" % (table_uri(bucket, prefix), date)


def parts_uris(silver_bucket, dates):
    """The silver telemetry_parts partitions of `dates`."""
    return [partition_uri(silver_bucket, PARTS_PREFIX, d) for d in dates]


def _header(sql, key, name):
    m = re.search(r"^--\s*%s:\s*(.+)$" % re.escape(key), sql, re.MULTILINE)
    if not m:
        raise ValueError('%s: missing header comment "-- %s: ..."' % (name, key))
    return m.group(1).strip()


def load_step(name, sql):
    """One step from its file name and text: {number, table, layer, sort_by, sql}."""
    m = STEP_FILE.match(name)
    if not m:
        raise ValueError("%s: SQL files are named NN_<table>.sql" % name)
    text = re.sub(r";\s*$", "", sql.strip())
    layer = _header(text, "layer", name)
    if layer not in LAYERS:
        raise ValueError("%s: layer must be one of %s" % (name, ", ".join(LAYERS)))
    sort_by = [c.strip() for c in _header(text, "sort_by", name).split(",") if c.strip()]
    return {"number": m.group(1), "table": m.group(2), "layer": layer, "sort_by": sort_by, "sql": text, "file": name}


def find_sql_dir(candidates):
    """The first directory holding NN_*.sql files: `sql/` next to the script locally, the working directory on
    Glue (--extra-files are copied there flat)."""
    for d in candidates:
        if d and os.path.isdir(d) and any(STEP_FILE.match(f) for f in os.listdir(d)):
            return d
    raise FileNotFoundError("no NN_<table>.sql files in any of: %s" % ", ".join(str(c) for c in candidates))


def load_steps(directory):
    """The SQL steps of `directory` in run order (their two-digit prefix); duplicate numbers are an error."""
    steps = []
    seen = set()
    for name in sorted(os.listdir(directory)):
        if not name.endswith(".sql"):
            continue
        with open(os.path.join(directory, name), encoding="utf-8") as f:
            step = load_step(name, f.read())
        if step["number"] in seen:
            raise ValueError("%s: duplicate step number %s" % (name, step["number"]))
        seen.add(step["number"])
        steps.append(step)
    if not steps:
        raise ValueError("no SQL steps in %s" % directory)
    return steps


def output_bucket(step, silver_bucket, gold_bucket):
    return silver_bucket if step["layer"] == "silver" else gold_bucket
