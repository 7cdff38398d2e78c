#!/usr/bin/python3
"""Turns a Google Benchmark JSON report (--benchmark_out_format=json) into one JSON line per
benchmark: {"workload": "scheduler_bench/NAME", "real_time", "cpu_time", "time_unit",
"items_per_second", "iterations"}.

Usage: /usr/bin/python3 bench/gbench_lines.py REPORT.json
"""
import json
import sys

FIELDS = ["real_time", "cpu_time", "time_unit", "items_per_second", "iterations"]


def main(argv):
    if len(argv) != 2:
        sys.exit(__doc__)
    with open(argv[1]) as f:
        report = json.load(f)
    for bench in report.get("benchmarks", []):
        row = {"workload": f"scheduler_bench/{bench['name']}", "engine": "brisk"}
        for field in FIELDS:
            if field in bench:
                value = bench[field]
                row[field] = round(value) if isinstance(value, float) else value
        print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main(sys.argv)
