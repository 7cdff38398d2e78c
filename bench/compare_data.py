#!/usr/bin/python3
"""Compares Brisk's data-workload lines (data_bench) with Dask's (bench_dask_data.py): one JSON line
per workload both ran,
  {"workload", "unit": "s", "brisk", "dask", "ratio", "check_ok", "brisk_check", "dask_check"}
where ratio is Dask's seconds over Brisk's (how many times faster Brisk is), rounded to one
decimal, and check_ok says whether Brisk's check value matches Dask's within the tolerance that
bench_dask_data.py's docstring states for the workload. array_matmul's line also carries the
single-process OpenBLAS dgemm of the same size ("dgemm_s") and Brisk's time over it ("vs_dgemm");
csv_groupby's the time one process takes to read the same bytes from the page cache ("read_s")
and Brisk's time over it ("vs_read").
When Dask's fastest run took under a fifth of its slowest (it still held the result of the run
before), the line says "dask_cached" and compares with its slowest run too ("ratio_uncached").

Usage: /usr/bin/python3 bench/compare_data.py BRISK.jsonl DASK.jsonl
Exits 1 when a check does not match.
"""
import json
import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from compare import read_lines  # noqa: E402  (the same JSON-lines reader)


def abs_within(tol):
    return lambda b, d: abs(b - d) <= tol


def rel_within(tol):
    return lambda b, d: abs(b - d) <= tol * max(abs(d), 1e-300)


def below(limit):
    # linreg: both report max |w_hat - w|; each must be below the limit (they need not agree).
    return lambda b, d: b < limit


def same(b, d):
    return b == d


def same_top_words(b, d):
    # bag_wordcount: lists of [word, count], most frequent first. The counts must agree position
    # by position, and so must the words whose count is unique among them (words of equal count
    # may come in either order, and a tie at the cut may keep different words).
    if not isinstance(b, list) or not isinstance(d, list) or len(b) != len(d):
        return False
    counts = [n for _, n in d]
    return [n for _, n in b] == counts and all(
        wb == wd for (wb, _), (wd, n) in zip(b, d) if counts.count(n) == 1)


def all_rel_within(tol):
    # csv_groupby, csv_filter: lists of numbers, each within tol (relative) of Dask's.
    return lambda b, d: (isinstance(b, list) and isinstance(d, list) and len(b) == len(d)
                         and all(abs(x - y) <= tol * max(abs(y), 1e-300) for x, y in zip(b, d)))


def valid(check):
    if isinstance(check, list):
        return True
    return isinstance(check, (int, float)) and math.isfinite(check)


# workload -> how Brisk's check is judged against Dask's
CHECKS = {
    "array_sum": abs_within(1e-3),
    "array_transpose": abs_within(1e-3),
    "array_matmul": abs_within(1e-2),
    "kmeans": rel_within(1e-3),
    "linreg": below(1e-3),
    "csv_groupby": all_rel_within(1e-6),
    "csv_filter": all_rel_within(0),
    "csv_join": rel_within(1e-6),
    "bag_wordcount": same_top_words,
}


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__.strip().splitlines()[-2])
    brisk, dask = read_lines(sys.argv[1]), read_lines(sys.argv[2])
    failed = False
    for workload, check in CHECKS.items():
        if workload not in brisk or workload not in dask:
            if workload in brisk or workload in dask:
                print(f"compare_data.py: {workload}: no figure from "
                      f"{'Brisk' if workload not in brisk else 'Dask'}; skipped", file=sys.stderr)
            continue
        b, d = brisk[workload], dask[workload]
        ok = valid(b.get("check")) and valid(d.get("check")) and check(b["check"], d["check"])
        failed = failed or not ok
        out = {"workload": workload, "unit": "s", "brisk": b["seconds"], "dask": d["seconds"],
               "ratio": round(d["seconds"] / b["seconds"], 1) if b["seconds"] > 0 else None,
               "check_ok": ok, "brisk_check": b.get("check"), "dask_check": d.get("check")}
        # Dask's distributed scheduler may still hold a result when the same graph (same keys) is
        # computed again at once: its later runs then take milliseconds and the median is not a
        # computation. Then its slowest run (the first, uncached) is compared too.
        if d.get("min") is not None and d.get("max") and d["min"] < 0.2 * d["max"]:
            out["dask_cached"] = True
            out["dask_uncached"] = d["max"]
            out["ratio_uncached"] = round(d["max"] / b["seconds"], 1) if b["seconds"] > 0 else None
        if workload == "csv_groupby" and "page_cache_read" in brisk:
            out["read_s"] = brisk["page_cache_read"]["seconds"]
            out["vs_read"] = round(b["seconds"] / brisk["page_cache_read"]["seconds"], 2)
        if workload == "array_matmul" and "dgemm" in brisk:
            out["dgemm_s"] = brisk["dgemm"]["seconds"]
            out["vs_dgemm"] = round(b["seconds"] / brisk["dgemm"]["seconds"], 2)
        print(json.dumps(out), flush=True)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
