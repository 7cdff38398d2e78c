// Tables stacked row-wise into one, as pandas.concat stacks frames read from several files: the
// columns are the union of the tables' columns in the order first seen (null where a table lacks
// one); a column's dtype is the tables' common one: the same dtype stays, ints and bools give
// int64 (True is 1), any float among numbers float64, and a mix with strings gives string (the
// values' CSV text); a table's column with no value (all null, or no rows) takes the others'
// dtype.
#pragma once

#include <vector>

#include "absl/status/statusor.h"
#include "brisk/v1/value.pb.h"
#include "brisk/value.h"

namespace brisk {

absl::StatusOr<v1::Value> ConcatTables(const std::vector<TableView>& tables);

}  // namespace brisk
