"""Tests of the features job's pure helpers (python3 -m unittest; pyspark is not needed)."""

import os
import tempfile
import unittest

import features_lib as lib

HERE = os.path.dirname(os.path.abspath(__file__))


class ParseDates(unittest.TestCase):
    def test_comma_separated(self):
        self.assertEqual(lib.parse_dates("2026-03-02,2026-03-01, 2026-03-02"), ["2026-03-01", "2026-03-02"])

    def test_json_array_from_states_json_to_string(self):
        self.assertEqual(lib.parse_dates('["2026-03-02","2026-03-01"]'), ["2026-03-01", "2026-03-02"])

    def test_rejects_bad_input(self):
        for bad in ["", "   ", "2026-02-30", "2026-3-1", "[1,2]", '["2026-03-01"', "[]", ",", '{"a":1}']:
            with self.subTest(bad=bad):
                with self.assertRaises(ValueError):
                    lib.parse_dates(bad)

    def test_neighbour_window(self):
        self.assertEqual(
            lib.neighbour_window(["2026-03-01", "2026-03-05"]),
            ["2026-02-28", "2026-03-01", "2026-03-02", "2026-03-04", "2026-03-05", "2026-03-06"],
        )
        self.assertEqual(lib.neighbour_window(["2025-12-31"]), ["2025-12-30", "2025-12-31", "2026-01-01"])


class OptionalArguments(unittest.TestCase):
    def test_optional_arg(self):
        argv = ["features.py", "--dates", "2026-03-01", "--expand_neighbours", "true", "--x=1"]
        self.assertEqual(lib.optional_arg(argv, "expand_neighbours"), "true")
        self.assertEqual(lib.optional_arg(argv, "x"), "1")
        self.assertIsNone(lib.optional_arg(argv, "missing"))

    def test_run_dates(self):
        self.assertEqual(lib.run_dates("2026-03-01"), ["2026-03-01"])
        self.assertEqual(lib.run_dates('["2026-03-01"]', "false"), ["2026-03-01"])
        self.assertEqual(lib.run_dates("2026-03-01", "true"), ["2026-02-28", "2026-03-01", "2026-03-02"])
        with self.assertRaises(ValueError):
            lib.run_dates("2026-03-01", "maybe")


class BucketsAndPaths(unittest.TestCase):
    def test_bucket_names(self):
        self.assertEqual(lib.parse_bucket("fleetlake-prod-silver-123456789012", "silver_bucket"), "fleetlake-prod-silver-123456789012")
        self.assertEqual(lib.parse_bucket("s3://my-bucket/", "gold_bucket"), "my-bucket")
        for bad in ["", "UPPER", "a", "bad_bucket", "x..y", None]:
            with self.subTest(bad=bad):
                with self.assertRaises(ValueError):
                    lib.parse_bucket(bad, "silver_bucket")

    def test_paths(self):
        self.assertEqual(lib.table_uri("b", "trips"), "s3://b/trips/")
        self.assertEqual(lib.partition_uri("b", "/trips/", "2026-03-01"), "s3://b/trips/dt=2026-03-01/")
        self.assertEqual(
            lib.parts_uris("s", ["2026-03-01", "2026-03-02"]),
            ["s3://s/telemetry_parts/dt=2026-03-01/", "s3://s/telemetry_parts/dt=2026-03-02/"],
        )


class SqlSteps(unittest.TestCase):
    def test_repository_steps_in_order(self):
        steps = lib.load_steps(os.path.join(HERE, "sql"))
        self.assertEqual([s["table"] for s in steps], ["telemetry", "trips", "battery_events", "dtc_events", "vehicle_daily"])
        self.assertEqual([s["layer"] for s in steps], ["silver", "gold", "gold", "gold", "gold"])
        self.assertEqual(steps[0]["sort_by"], ["vehicle_id", "ts"])
        self.assertEqual(lib.output_bucket(steps[0], "s", "g"), "s")
        self.assertEqual(lib.output_bucket(steps[1], "s", "g"), "g")
        for s in steps:
            self.assertFalse(s["sql"].rstrip().endswith(";"))

    def test_orders_by_number_and_rejects_bad_files(self):
        head = "-- layer: gold\n-- sort_by: a, b\nselect 1 as a;\n"
        with tempfile.TemporaryDirectory() as d:
            for name in ["10_late.sql", "02_early.sql", "notes.txt"]:
                with open(os.path.join(d, name), "w") as f:
                    f.write(head)
            self.assertEqual([s["table"] for s in lib.load_steps(d)], ["early", "late"])
            self.assertEqual(lib.load_steps(d)[0]["sort_by"], ["a", "b"])
            self.assertEqual(lib.find_sql_dir([os.path.join(d, "missing"), d]), d)
            with open(os.path.join(d, "02_dup.sql"), "w") as f:
                f.write(head)
            with self.assertRaises(ValueError):
                lib.load_steps(d)
        with self.assertRaises(ValueError):
            lib.load_step("trips.sql", head)
        with self.assertRaises(ValueError):
            lib.load_step("01_x.sql", "-- sort_by: a\nselect 1")
        with self.assertRaises(ValueError):
            lib.load_step("01_x.sql", "-- layer: bronze\n-- sort_by: a\nselect 1")
        with self.assertRaises(FileNotFoundError):
            lib.find_sql_dir([tempfile.gettempdir() + "/does-not-exist"])


if __name__ == "__main__":
    unittest.main()
