"""fleetlake features: silver telemetry_parts -> silver telemetry + gold tables (AWS Glue 5.0, glueetl).

Thin driver: the logic is glue-jobs/sql/NN_<table>.sql (the same files run locally on DuckDB).
Arguments: --dates (YYYY-MM-DD,... or a JSON array string), --silver_bucket, --gold_bucket (bucket names; locally
`file:///<lake>/silver` and `file:///<lake>/gold`), optional --expand_neighbours true (replace D-1..D+1 of every given
date: what the pipeline passes after late data).
The input is read with the contract's schema (tables.json, generated from lib/contract/tables.ts), never inferred,
and every step's result must have exactly the contract's columns and types.
For the dates given it reads telemetry_parts of D-1..D+1, runs the steps in order (each result becomes a temp
view named after its table) and replaces exactly the dt partitions of the given dates (dynamic partition
overwrite; a date whose result is empty has its partition deleted), as Parquet zstd.
"""

import os
import sys

from awsglue.context import GlueContext
from awsglue.job import Job
from awsglue.utils import getResolvedOptions
from pyspark.context import SparkContext
from pyspark.sql import functions as F

import features_lib as lib

MAX_RECORDS_PER_FILE = 20_000_000  # "a few large files" per partition


def delete_partition(spark, uri):
    jvm = spark._jvm
    path = jvm.org.apache.hadoop.fs.Path(uri)
    fs = path.getFileSystem(spark._jsc.hadoopConfiguration())
    if fs.exists(path):
        fs.delete(path, True)


def path_exists(spark, uri):
    jvm = spark._jvm
    path = jvm.org.apache.hadoop.fs.Path(uri)
    return path.getFileSystem(spark._jsc.hadoopConfiguration()).exists(path)


def main():
    args = getResolvedOptions(sys.argv, ["JOB_NAME", "dates", "silver_bucket", "gold_bucket"])
    dates = lib.run_dates(args["dates"], lib.optional_arg(sys.argv, "expand_neighbours"))
    silver = lib.parse_root(args["silver_bucket"], "silver_bucket")
    gold = lib.parse_root(args["gold_bucket"], "gold_bucket")
    here = os.path.dirname(os.path.abspath(__file__))
    steps = lib.load_steps(lib.find_sql_dir([os.path.join(here, "sql"), here, os.getcwd()]))
    contract = lib.load_contract([here, os.getcwd()])

    glue = GlueContext(SparkContext.getOrCreate())
    spark = glue.spark_session
    job = Job(glue)
    job.init(args["JOB_NAME"], args)
    spark.conf.set("spark.sql.session.timeZone", "UTC")
    spark.conf.set("spark.sql.sources.partitionOverwriteMode", "dynamic")
    spark.conf.set("spark.sql.parquet.compression.codec", "zstd")
    spark.conf.set("spark.sql.parquet.outputTimestampType", "TIMESTAMP_MICROS")  # as DuckDB writes; not INT96
    spark.conf.set("spark.sql.files.maxRecordsPerFile", str(MAX_RECORDS_PER_FILE))

    parts = [u for u in lib.parts_uris(silver, lib.neighbour_window(dates)) if path_exists(spark, u)]
    print("features: dates=%s parts partitions=%d steps=%s" % (dates, len(parts), [s["table"] for s in steps]))

    if parts:
        schema = lib.schema_ddl(contract[lib.PARTS_PREFIX])
        spark.read.schema(schema).parquet(*parts).createOrReplaceTempView(lib.PARTS_PREFIX)
        for step in steps:
            result = spark.sql(step["sql"])
            lib.check_columns(step["table"], result.dtypes, contract)
            result.cache().createOrReplaceTempView(step["table"])

    for step in steps:
        bucket = lib.output_root(step, silver, gold)
        written = set()
        if parts:
            out = spark.table(step["table"]).where(F.col("dt").cast("string").isin(dates))
            written = {r["dt"].isoformat() for r in out.select("dt").distinct().collect()}
            if written:
                (
                    out.repartition("dt")
                    .sortWithinPartitions("dt", *step["sort_by"])
                    .write.mode("overwrite")
                    .partitionBy("dt")
                    .option("compression", "zstd")
                    .parquet(lib.table_uri(bucket, step["table"]))
                )
        for d in dates:
            if d not in written:  # dynamic overwrite leaves partitions it has no rows for: delete them
                delete_partition(spark, lib.partition_uri(bucket, step["table"], d))
        print("features: %s written for %s" % (step["table"], sorted(written)))

    job.commit()


if __name__ == "__main__":
    main()
