"""A local stand-in for AWS Glue's `awsglue` package, and the launcher that runs a Glue job file under it.

Glue's own awsglue is not installable (PyPI's awsglue-dev holds interface stubs only). The features job uses three
things from it, given here with the same call shapes: `awsglue.utils.getResolvedOptions(argv, names)`,
`awsglue.context.GlueContext(sc).spark_session` and `awsglue.job.Job(glue).init(name, args)` / `.commit()`.
The job file itself (glue-jobs/features.py) is run unchanged: this file only registers the modules and starts a local
Spark (loopback only, UTC) before the job's own `SparkContext.getOrCreate()`.

    python awsglue_stand_in.py JOB.py [job arguments]   run one job, exit 0/1
    python awsglue_stand_in.py --serve JOB.py           one Spark session for many runs: each stdin line is a JSON
                                                        array of job arguments; each run ends with one stdout line
                                                        `@@fleetlake {"ok": true|false, "seconds": s, "error": "..."}`
"""

import argparse
import json
import os
import runpy
import sys
import time
import traceback
import types

RESULT = "@@fleetlake "


def getResolvedOptions(args, options):  # noqa: N802 (Glue's name)
    """Glue's contract: each name is a required `--name value` argument; returns {name: value}."""
    parser = argparse.ArgumentParser(add_help=False)
    for name in options:
        parser.add_argument("--" + name, required=True)
    known, _ = parser.parse_known_args(args[1:])
    return vars(known)


class GlueContext:
    def __init__(self, spark_context):
        from pyspark.sql import SparkSession

        self.spark_session = SparkSession(spark_context)


class Job:
    def __init__(self, glue_context):
        self.glue_context = glue_context
        self.name = None

    def init(self, name, args=None):
        self.name = name

    def commit(self):
        pass


def register_modules():
    package = types.ModuleType("awsglue")
    package.__path__ = []
    modules = {"awsglue": package}
    for sub, attrs in (("context", {"GlueContext": GlueContext}), ("job", {"Job": Job}), ("utils", {"getResolvedOptions": getResolvedOptions})):
        m = types.ModuleType("awsglue." + sub)
        m.__dict__.update(attrs)
        setattr(package, sub, m)
        modules["awsglue." + sub] = m
    sys.modules.update(modules)


def start_spark():
    """The SparkContext the job's SparkContext.getOrCreate() returns: local, loopback only, UTC, quiet."""
    from pyspark import SparkConf, SparkContext

    cores = os.environ.get("FLEETLAKE_SPARK_CORES", "2")
    conf = (
        SparkConf()
        .setMaster("local[%s]" % cores)
        .setAppName("fleetlake-features-local")
        .set("spark.ui.enabled", "false")
        .set("spark.ui.showConsoleProgress", "false")
        # the lake's folders stand in for the buckets: plain local files, no .crc side files
        .set("spark.hadoop.fs.file.impl", "org.apache.hadoop.fs.RawLocalFileSystem")
        .set("spark.driver.host", "127.0.0.1")
        .set("spark.driver.bindAddress", "127.0.0.1")
        .set("spark.sql.session.timeZone", "UTC")
        .set("spark.driver.extraJavaOptions", "-Duser.timezone=UTC")
        .set("spark.sql.shuffle.partitions", os.environ.get("FLEETLAKE_SPARK_SHUFFLE_PARTITIONS", "4"))
        .set("spark.driver.memory", os.environ.get("FLEETLAKE_SPARK_DRIVER_MEMORY", "2g"))
    )
    sc = SparkContext.getOrCreate(conf)
    sc.setLogLevel("WARN")
    return sc


def run_job(job, args):
    """Runs the job file as Glue would: `sys.argv = [job, *args]`, as __main__, in its own folder on sys.path."""
    started = time.time()
    saved = list(sys.argv), list(sys.path)
    sys.argv = [job, *args]
    sys.path.insert(0, os.path.dirname(os.path.abspath(job)))
    try:
        runpy.run_path(job, run_name="__main__")
        return {"ok": True, "seconds": round(time.time() - started, 3)}
    except BaseException as err:  # a failing job must not end the server; SystemExit included
        if isinstance(err, SystemExit) and err.code in (0, None):
            return {"ok": True, "seconds": round(time.time() - started, 3)}
        traceback.print_exc(file=sys.stderr)
        message = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        return {"ok": False, "seconds": round(time.time() - started, 3), "error": "%s: %s" % (type(err).__name__, message)}
    finally:
        sys.argv, sys.path[:] = saved[0], saved[1]
        # the job's own modules (features_lib) are re-imported per run, so a changed copy of the job is picked up
        sys.modules.pop("features_lib", None)


def main(argv):
    serve = argv[:1] == ["--serve"]
    if serve:
        argv = argv[1:]
    if not argv:
        sys.stderr.write("usage: awsglue_stand_in.py [--serve] JOB.py [job arguments]\n")
        return 2
    register_modules()
    start_spark()
    job = argv[0]
    if not serve:
        result = run_job(job, argv[1:])
        if not result["ok"]:
            sys.stderr.write("job failed: %s\n" % result["error"])
        return 0 if result["ok"] else 1
    sys.stdout.write(RESULT + json.dumps({"ok": True, "ready": True}) + "\n")
    sys.stdout.flush()
    for line in sys.stdin:
        if not line.strip():
            continue
        request = json.loads(line)
        result = run_job(request.get("job", job), request["args"])
        sys.stdout.write(RESULT + json.dumps(result) + "\n")
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
