"""Tests of the features job's pure helpers (no pyspark needed). The driver-contract cases are shared with the local
DuckDB runner's tests (lib/features/driver-contract.test.ts): both drivers must answer them alike."""

import json
import os
import tempfile
import unittest

import features_lib as lib

HERE = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(HERE, "..", "test", "fixtures", "features", "driver-contract.json"), encoding="utf-8") as f:
    CONTRACT = json.load(f)


class DriverContract(unittest.TestCase):
    def test_headers(self):
        for case in CONTRACT["headers"]:
            with self.subTest(case["name"]):
                if "error" in case:
                    with self.assertRaises(ValueError) as ctx:
                        lib.parse_header(case["file"], case["sql"])
                    self.assertIn(case["error"], str(ctx.exception))
                else:
                    self.assertEqual(lib.parse_header(case["file"], case["sql"]), case["expect"])

    def test_steps(self):
        for case in CONTRACT["steps"]:
            with self.subTest(case["name"]):
                load = lambda: lib.check_steps([lib.load_step(f, case["files"][f]) for f in sorted(case["files"])])  # noqa: E731
                if "error" in case:
                    with self.assertRaises(ValueError) as ctx:
                        load()
                    self.assertIn(case["error"], str(ctx.exception))
                else:
                    self.assertEqual([[s["number"], s["table"]] for s in load()], case["expect"])

    def test_dates(self):
        for case in CONTRACT["dates"]:
            with self.subTest(case["name"]):
                parse = lambda: lib.run_dates(case["arg"], "true" if case.get("expandNeighbours") else "false")  # noqa: E731
                if "error" in case:
                    with self.assertRaises(ValueError) as ctx:
                        parse()
                    self.assertIn(case["error"], str(ctx.exception))
                else:
                    self.assertEqual(parse(), case["expect"])


class OptionalArguments(unittest.TestCase):
    def test_optional_arg(self):
        argv = ["features.py", "--dates", "2026-03-01", "--expand_neighbours", "true", "--x=1"]
        self.assertEqual(lib.optional_arg(argv, "expand_neighbours"), "true")
        self.assertEqual(lib.optional_arg(argv, "x"), "1")
        self.assertIsNone(lib.optional_arg(argv, "missing"))

    def test_run_dates_rejects_a_bad_flag(self):
        with self.assertRaises(ValueError):
            lib.run_dates("2026-03-01", "maybe")


class RootsAndPaths(unittest.TestCase):
    def test_bucket_names_give_s3_roots(self):
        self.assertEqual(lib.parse_root("fleetlake-prod-silver-123456789012", "silver_bucket"), "s3://fleetlake-prod-silver-123456789012")
        self.assertEqual(lib.parse_root("s3://my-bucket/", "gold_bucket"), "s3://my-bucket")
        for bad in ["", "UPPER", "a", "bad_bucket", "x..y", None, "file://relative/dir", "file:///lake/../etc"]:
            with self.subTest(bad=bad):
                with self.assertRaises(ValueError):
                    lib.parse_root(bad, "silver_bucket")

    def test_local_lake_folders_are_file_roots(self):
        self.assertEqual(lib.parse_root("file:///tmp/lake/silver/", "silver_bucket"), "file:///tmp/lake/silver")

    def test_paths(self):
        self.assertEqual(lib.table_uri("s3://b", "trips"), "s3://b/trips/")
        self.assertEqual(lib.partition_uri("s3://b", "/trips/", "2026-03-01"), "s3://b/trips/dt=2026-03-01/")
        self.assertEqual(lib.partition_uri("file:///l/gold", "trips", "2026-03-01"), "file:///l/gold/trips/dt=2026-03-01/")
        self.assertEqual(
            lib.parts_uris("s3://s", ["2026-03-01", "2026-03-02"]),
            ["s3://s/telemetry_parts/dt=2026-03-01/", "s3://s/telemetry_parts/dt=2026-03-02/"],
        )


class SqlStepsAndContract(unittest.TestCase):
    def test_repository_steps(self):
        steps = lib.load_steps(os.path.join(HERE, "sql"))
        self.assertEqual([s["table"] for s in steps], ["telemetry", "trips", "battery_events", "dtc_events", "vehicle_daily", "trips_public"])
        self.assertEqual(lib.output_root(steps[0], "s", "g"), "s")
        self.assertEqual(lib.output_root(steps[1], "s", "g"), "g")
        for s in steps:
            self.assertFalse(s["sql"].endswith(";"))

    def test_find_sql_dir(self):
        with tempfile.TemporaryDirectory() as d:
            with open(os.path.join(d, "01_x.sql"), "w") as f:
                f.write("select 1")
            self.assertEqual(lib.find_sql_dir([os.path.join(d, "missing"), d]), d)
        with self.assertRaises(FileNotFoundError):
            lib.find_sql_dir([tempfile.gettempdir() + "/does-not-exist"])

    def test_contract_schema_and_column_check(self):
        contract = lib.load_contract([HERE])
        ddl = lib.schema_ddl(contract[lib.PARTS_PREFIX])
        self.assertTrue(ddl.startswith("`vehicle_id` string, `ts` timestamp, `seq` bigint"))
        self.assertIn("`dtc` array<string>", ddl)
        trips = contract["trips_public"]
        lib.check_columns("trips_public", trips, contract)
        self.assertEqual(trips[-1], ("dt", "date"))
        self.assertNotIn("start_lat", [n for n, _ in trips])
        for bad in (trips[:-1], [("x", "string")] + trips[1:], [(n, "string" if n == "samples" else t) for n, t in trips]):
            with self.subTest(bad=bad[:2]):
                with self.assertRaises(ValueError):
                    lib.check_columns("trips_public", bad, contract)


if __name__ == "__main__":
    unittest.main()
