// A hash join of two tables on key columns, as pandas.merge(left, right, on=..., how=...) joins
// them: the left table's rows in order, each followed by its matching right rows in the right
// table's order; the key columns once (the left's), then the left's other columns, then the
// right's; other columns of the same name get the suffixes "_x" and "_y". As pandas, a null key
// matches a null key, and equal numbers match across int and float columns. The right table is
// the one hashed: the smaller, broadcast to every partition of the left.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "brisk/v1/value.pb.h"
#include "brisk/value.h"

namespace brisk {

enum class JoinHow { kInner, kLeft };

// NotFound naming a key that either table lacks.
absl::StatusOr<v1::Value> JoinTables(const TableView& left, const TableView& right,
                                     absl::Span<const std::string> on, JoinHow how);

}  // namespace brisk
