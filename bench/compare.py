#!/usr/bin/python3
"""Compares Brisk's benchmark lines with Dask's: one JSON line per workload
{"workload", "unit", "brisk", "dask", "ratio"}, where ratio says how many times better Brisk is
(Brisk/Dask for rates, Dask/Brisk for times and bytes), rounded to one decimal. Where the Dask
script measures two paths (independent / independent_graph, tree / tree_graph) Brisk is compared
with the better one, named in "dask_path".

Usage: /usr/bin/python3 bench/compare.py BRISK.jsonl DASK.jsonl
Both files hold one JSON object per line, as cluster_bench and bench_dask.py print them.
Figures given as [median, min, max] are compared by their median.
"""
import json
import sys

# workload -> (unit, field in both outputs, higher is better, Dask paths to take the best of)
COMPARED = [
    ("independent", "tasks/s", "tasks_per_s", True, ["independent", "independent_graph"]),
    ("chain", "us/hop", "us_per_hop", False, ["chain"]),
    ("tree", "tasks/s", "tasks_per_s", True, ["tree", "tree_graph"]),
    ("shuffle", "tasks/s", "tasks_per_s", True, ["shuffle"]),
    ("transfer", "MB/s", "MB_per_s", True, ["transfer"]),
    ("scheduler_memory", "bytes/task", "bytes_per_task", False, ["scheduler_memory"]),
    ("startup", "s", "seconds", False, ["startup"]),
]


def read_lines(path):
    rows = {}
    with open(path) as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as e:
                sys.exit(f"compare.py: {path}:{n}: not JSON ({e}): {line[:200]}")
            if "workload" in row:
                rows[row["workload"]] = row
    return rows


def median(value):
    """A figure: a number, or the median of [median, min, max]."""
    if isinstance(value, list):
        return value[0] if value else None
    return value


def compare(brisk, dask):
    out = []
    for workload, unit, field, higher_better, dask_paths in COMPARED:
        b = median(brisk.get(workload, {}).get(field))
        candidates = [(median(dask[p].get(field)), p) for p in dask_paths if p in dask]
        candidates = [(v, p) for v, p in candidates if v is not None]
        if b is None or not candidates:
            print(f"compare.py: {workload}: no figure from "
                  f"{'Brisk' if b is None else 'Dask'}; skipped", file=sys.stderr)
            continue
        d, path = (max if higher_better else min)(candidates)
        ratio = None
        if b > 0 and d > 0:
            ratio = round(b / d if higher_better else d / b, 1)
        row = {"workload": workload, "unit": unit, "brisk": b, "dask": d, "ratio": ratio}
        if len(dask_paths) > 1:
            row["dask_path"] = path
        out.append(row)
    return out


def main(argv):
    if len(argv) != 3:
        sys.exit(__doc__)
    for row in compare(read_lines(argv[1]), read_lines(argv[2])):
        print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main(sys.argv)
