"""Pure helpers of the features Glue job (no pyspark): arguments, lake paths, SQL steps, the table contract.

The same SQL files run locally on DuckDB (local/engine/features.ts). Both drivers read the SQL headers and --dates
by the rules below; test/fixtures/features/driver-contract.json holds cases that both must answer alike.
"""

import datetime
import json
import os
import re

STEP_FILE = re.compile(r"^(\d{2})_([a-z][a-z0-9_]*)\.sql$")
HEADER_KEY = re.compile(r"^--\s?([a-z_]+):(.*)$")
IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]*$")
BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
LAYERS = ("silver", "gold")
REQUIRED_HEADERS = ("grain", "layer", "sort_by", "input")
PARTS_PREFIX = "telemetry_parts"
CONTRACT_FILE = "tables.json"


def parse_dates(value):
    """`--dates`: "YYYY-MM-DD,YYYY-MM-DD" or a JSON array string (States.JsonToString). Sorted, unique, validated."""
    if value is None or not str(value).strip():
        raise ValueError("--dates has no dates")
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
        if not DATE.match(d):
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


def parse_root(value, name):
    """Where a bucket's objects live: a bucket name or `s3://bucket` (Glue) gives `s3://bucket`; a `file:///abs/dir`
    URI (the local lake's folder of that bucket, `fleetlake features --engine spark`) is taken as it is."""
    text = (value or "").strip().rstrip("/")
    if text.startswith("file:///"):
        if ".." in text.split("/"):
            raise ValueError("--%s: %r must not contain .." % (name, value))
        return text
    bucket = text[len("s3://"):] if text.startswith("s3://") else text
    if not BUCKET.match(bucket) or ".." in bucket:
        raise ValueError("--%s: invalid bucket name %r" % (name, value))
    return "s3://" + bucket


def table_uri(root, prefix):
    """<root>/prefix/ (the table root; partitions are dt=YYYY-MM-DD/ below it)."""
    return "%s/%s/" % (root, prefix.strip("/"))


def partition_uri(root, prefix, date):
    return "%sdt=%s/" % (table_uri(root, prefix), date)


def parts_uris(silver_root, dates):
    """The silver telemetry_parts partitions of `dates`."""
    return [partition_uri(silver_root, PARTS_PREFIX, d) for d in dates]


def _header_block(sql):
    """`key -> value` of the leading comment block: `-- key: value` lines; a later comment line that is not a key
    continues the previous key's value (joined with one space); lines before the first key are the title."""
    headers = {}
    key = None
    for line in sql.splitlines():
        stripped = line.strip()
        if not stripped.startswith("--"):
            break
        m = HEADER_KEY.match(stripped)
        if m:
            key = m.group(1)
            if key in headers:
                raise ValueError('duplicate header "-- %s:"' % key)
            headers[key] = m.group(2).strip()
        elif key is not None:
            headers[key] = (headers[key] + " " + stripped[2:].strip()).strip()
    return headers


def _input_tables(text):
    """`telemetry (01), trips (02)` -> ["telemetry", "trips"]: the leading identifier of each top-level item."""
    items, depth, start = [], 0, 0
    for i, c in enumerate(text + ","):
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif c == "," and depth == 0:
            items.append(text[start:i].strip())
            start = i + 1
    names = []
    for item in items:
        m = re.match(r"^([a-z_][a-z0-9_]*)", item)
        if not m:
            raise ValueError("input: %r does not start with a table name" % item)
        names.append(m.group(1))
    return names


def parse_header(name, sql):
    """A step's metadata from its file name and header comments: {number, table, layer, grain, sort_by, inputs}."""
    m = STEP_FILE.match(name)
    if not m:
        raise ValueError("%s: SQL files are named NN_<table>.sql" % name)
    try:
        headers = _header_block(sql)
    except ValueError as err:
        raise ValueError("%s: %s" % (name, err)) from err
    for key in REQUIRED_HEADERS:
        if not headers.get(key):
            raise ValueError('%s: missing header comment "-- %s: ..."' % (name, key))
    if headers["layer"] not in LAYERS:
        raise ValueError("%s: layer must be one of %s" % (name, ", ".join(LAYERS)))
    sort_by = [c.strip() for c in headers["sort_by"].split(",") if c.strip()]
    bad = [c for c in sort_by if not IDENTIFIER.match(c)]
    if not sort_by or bad:
        raise ValueError("%s: sort_by must list column names, got %r" % (name, headers["sort_by"]))
    try:
        inputs = _input_tables(headers["input"])
    except ValueError as err:
        raise ValueError("%s: %s" % (name, err)) from err
    return {
        "number": m.group(1),
        "table": m.group(2),
        "layer": headers["layer"],
        "grain": headers["grain"],
        "sort_by": sort_by,
        "inputs": inputs,
    }


def load_step(name, sql):
    """One step: its header metadata plus `sql` (the text without a trailing semicolon and whitespace) and `file`."""
    step = parse_header(name, sql)
    step["sql"] = re.sub(r";\s*$", "", sql.strip()).rstrip()
    step["file"] = name
    return step


def check_steps(steps):
    """Run order is the two-digit prefix; numbers are unique; every input is telemetry_parts or an earlier step."""
    seen_numbers, tables = set(), {PARTS_PREFIX}
    for step in steps:
        if step["number"] in seen_numbers:
            raise ValueError("%s: duplicate step number %s" % (step["file"], step["number"]))
        seen_numbers.add(step["number"])
        unknown = [t for t in step["inputs"] if t not in tables]
        if unknown:
            raise ValueError("%s: input %s is not telemetry_parts or an earlier step" % (step["file"], ", ".join(unknown)))
        tables.add(step["table"])
    if not steps:
        raise ValueError("no SQL steps")
    return steps


def find_dir(candidates, matches):
    """The first existing directory of `candidates` for which matches(directory) holds."""
    for d in candidates:
        if d and os.path.isdir(d) and matches(d):
            return d
    raise FileNotFoundError("none of: %s" % ", ".join(str(c) for c in candidates))


def find_sql_dir(candidates):
    """The first directory holding NN_*.sql files: `sql/` next to the script locally, the working directory on
    Glue (--extra-files are copied there flat)."""
    try:
        return find_dir(candidates, lambda d: any(STEP_FILE.match(f) for f in os.listdir(d)))
    except FileNotFoundError:
        raise FileNotFoundError("no NN_<table>.sql files in any of: %s" % ", ".join(str(c) for c in candidates)) from None


def load_steps(directory):
    """The SQL steps of `directory` in run order (their two-digit prefix), checked by check_steps."""
    steps = []
    for name in sorted(os.listdir(directory)):
        if name.endswith(".sql"):
            with open(os.path.join(directory, name), encoding="utf-8") as f:
                steps.append(load_step(name, f.read()))
    if not steps:
        raise ValueError("no SQL steps in %s" % directory)
    return check_steps(steps)


def output_root(step, silver_root, gold_root):
    return silver_root if step["layer"] == "silver" else gold_root


def load_contract(candidates):
    """tables.json (generated from lib/contract/tables.ts by `npm run generate:catalog`): table -> [[name, type]]."""
    d = find_dir(candidates, lambda x: os.path.isfile(os.path.join(x, CONTRACT_FILE)))
    with open(os.path.join(d, CONTRACT_FILE), encoding="utf-8") as f:
        return {t: [tuple(c) for c in cols] for t, cols in json.load(f)["tables"].items()}


def schema_ddl(columns):
    """A Spark DDL schema string (`vehicle_id string, ts timestamp, ...`): Glue types are Spark type names."""
    return ", ".join("`%s` %s" % (n, t) for n, t in columns)


def check_columns(table, actual, contract):
    """Fails unless `actual` [(name, spark simpleString)] is exactly the contract's columns, names, order and types."""
    expected = list(contract[table])
    if list(actual) != expected:
        fmt = lambda cols: ", ".join("%s %s" % c for c in cols)  # noqa: E731
        raise ValueError("%s: result columns differ from lib/contract/tables.ts\n  got:      %s\n  expected: %s" % (table, fmt(actual), fmt(expected)))
