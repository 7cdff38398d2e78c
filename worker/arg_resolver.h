// Turns a task's arguments into the values its op receives: literals become Values, references
// become the referenced values (not copied at the top level; copied into lists that hold them).
#pragma once

#include <deque>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "brisk/op.h"
#include "brisk/v1/graph.pb.h"
#include "common/data_chunks.h"

namespace brisk {

using Inputs = absl::flat_hash_map<std::string, ValuePtr>;

// `storage` owns the values built here; it must outlive the returned OpArgs.
absl::StatusOr<OpArgs> ResolveArgs(const v1::Task& task, const Inputs& inputs,
                                   std::deque<v1::Value>& storage);

}  // namespace brisk
