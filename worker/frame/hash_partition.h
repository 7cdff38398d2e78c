// A table's rows split by a hash of key columns, the same on every worker for equal keys (an int
// and an equal float too, as canonical_value.h makes them): the shuffle step of a groupby whose
// groups are too many for one partition (AggregateOptions::split_out).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "brisk/v1/value.pb.h"
#include "brisk/value.h"

namespace brisk {

// Each row's bucket in [0, buckets); NotFound naming a key the table lacks.
absl::StatusOr<std::vector<uint32_t>> KeyBuckets(const TableView& table,
                                                 absl::Span<const std::string> keys,
                                                 uint32_t buckets);

// The rows of `table` in bucket `bucket`, in their order.
absl::StatusOr<v1::Value> HashPartition(const TableView& table, absl::Span<const std::string> keys,
                                        uint32_t bucket, uint32_t buckets);

}  // namespace brisk
