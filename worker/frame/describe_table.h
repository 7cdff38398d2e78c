// pandas' DataFrame.describe() of a frame's numeric columns, in steps that run on the partitions
// apart: which columns are numeric (a column is numeric when no partition holds text or bools in
// it: a column with no value anywhere counts as numeric, as pandas reads it as float64 NaN),
// count/mean/std/min/max by the grouped aggregates (group_aggregate.h), and the quartiles from
// per-partition sketches: every value of a column when it has at most `points` of them (exact),
// else `points` evenly spaced order statistics, each standing for count / points values, merged
// as dask merges percentiles (the result within count / points ranks, over all partitions, of the
// exact one).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "brisk/v1/value.pb.h"
#include "brisk/value.h"

namespace brisk {

// Each column of `table` and what it holds: a list of [name, kind], kind "number", "bool",
// "text" or "empty" (no value).
v1::Value DescribeColumnKinds(const TableView& table);

// From every partition's kinds: [the numeric columns (first seen first), the aggregates of them
// (count, mean, std, min and max of each, in that order)]. InvalidArgument when there is none.
absl::StatusOr<v1::Value> DescribePlan(absl::Span<const v1::Value* const> kinds);

// Per column of `columns`: a table of its values present ("value", float64, sorted) and the
// values each stands for ("weight", float64): a list, one table per column.
absl::StatusOr<v1::Value> QuantileSketch(const TableView& table,
                                         absl::Span<const std::string> columns, uint64_t points);

// The result: "statistic" (count, mean, std, min, 25%, 50%, 75%, max), then a float64 column per
// column, from the aggregates' one row (`stats`: 5 columns per column, in DescribePlan's order)
// and the partitions' sketches.
absl::StatusOr<v1::Value> DescribeFinish(const TableView& stats,
                                         absl::Span<const std::string> columns,
                                         absl::Span<const v1::Value* const> sketches);

// All of it for one table (its quartiles exact).
absl::StatusOr<v1::Value> DescribeTable(const TableView& table);

}  // namespace brisk
