// The partition kernels of brisk::Frame (client/include/brisk/frame.h): ops named "frame.*" over
// table values, registered with the built-in ops of every worker (usable from graph files too).
// Each group lives in its own file.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "brisk/op.h"
#include "worker/frame/row_order.h"

namespace brisk {

// An argument naming columns: a str, or a list of str; InvalidArgument naming `what` otherwise.
absl::StatusOr<std::vector<std::string>> ColumnNames(const v1::Value& value,
                                                     absl::string_view what);

// Sort keys from `by` (a column or a list of them) and `ascending` (nullptr: all ascending; a
// bool, or a list of one bool per column); InvalidArgument naming what is wrong otherwise.
absl::StatusOr<std::vector<SortKey>> SortKeysArg(const v1::Value& by, const v1::Value* ascending);

// Every frame op.
void RegisterFrameOps(OpRegistry& registry);

// The groups (worker/frame/*.cc).
void RegisterFrameIoOps(OpRegistry& registry);        // frame_io_ops.cc: read_csv, read_json,
                                                      // write_csv
void RegisterFrameConcatOps(OpRegistry& registry);    // table_concat.cc: concat
void RegisterFrameGroupOps(OpRegistry& registry);     // group_ops.cc: groupby_*, sort
void RegisterFrameJoinOps(OpRegistry& registry);      // table_join.cc: join
void RegisterFrameShuffleOps(OpRegistry& registry);   // hash_partition.cc: hash_partition
void RegisterFrameSortOps(OpRegistry& registry);      // range_partition.cc: sort_sample,
                                                      // sort_bounds, range_partition
void RegisterFrameDescribeOps(OpRegistry& registry);  // describe_ops.cc: describe*, quantile_sketch
void RegisterFrameVerbOps(OpRegistry& registry);      // frame_verb_ops.cc: filter, assign, select,
                                                      // drop, rename, head, apply

}  // namespace brisk
