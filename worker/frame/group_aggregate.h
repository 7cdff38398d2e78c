// groupby(keys).agg(...) as a tree reduction, as dask.dataframe does it with its chunk, combine
// and aggregate steps: each partition's rows reduce to a partial aggregate (a table of one row
// per group: the keys, then each aggregate's state), partials merge into one, and the last is
// finished into the result, one row per group sorted by the keys (pandas' sort=True).
//
// As pandas: a row whose key is null or NaN is in no group (dropna=True); nulls and NaN are
// skipped by every aggregate; count(COL) counts the values present and count() (size) the rows;
// the sum of no values is 0; mean, min, max, first and last of no values are null; var and std
// use ddof=1 and are null below two values; nunique counts distinct values present (an int and a
// float that are equal count once, as after pandas.concat makes the column float).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "brisk/v1/value.pb.h"
#include "brisk/value.h"

namespace brisk {

enum class AggFn : uint8_t {
  kSize,  // count(): rows in the group
  kCount,
  kSum,
  kMean,
  kMin,
  kMax,
  kVar,
  kStd,
  kNunique,
  kFirst,
  kLast,
};

struct Aggregate {
  AggFn fn = AggFn::kSize;
  std::string column;  // empty for kSize
};

struct GroupSpec {
  std::vector<std::string> keys;
  std::vector<Aggregate> aggs;
};

// "count(x)", "count()", "sum(x)", ... "last(x)": InvalidArgument naming the text and the known
// functions otherwise. Spaces around the parts are ignored.
absl::StatusOr<Aggregate> ParseAggregate(absl::string_view text);
// "count()" or "sum(x)".
std::string AggregateText(const Aggregate& agg);
// The result column's default name: "count" for count(), else "FN_COL" ("mean_y").
std::string DefaultAggregateName(const Aggregate& agg);

// The partial aggregate of one partition. NotFound naming a key or column the table lacks;
// InvalidArgument for sum, mean, var or std of a string column.
absl::StatusOr<v1::Value> PartialAggregate(const TableView& table, const GroupSpec& spec);
// Partials (of the same spec) merged into one partial, in the order given (first and last follow
// it).
absl::StatusOr<v1::Value> CombineAggregates(absl::Span<const TableView> partials,
                                            const GroupSpec& spec);
// The result from a (combined) partial: the keys, then one column per aggregate named names[j]
// (DefaultAggregateName when `names` is empty).
absl::StatusOr<v1::Value> FinishAggregate(const TableView& partial, const GroupSpec& spec,
                                          absl::Span<const std::string> names);

}  // namespace brisk
