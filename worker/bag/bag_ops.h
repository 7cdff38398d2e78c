// The partition kernels of brisk::Bag (client/include/brisk/bag.h): ops named "bag.*" over text
// partitions (tables of one string column "text"), counts partitions (tables of "value" and
// "count") and lists of records, registered with the built-in ops of every worker. Each group
// lives in its own file.
#pragma once

#include <string>

#include "brisk/op.h"

namespace brisk {

// Every bag op.
void RegisterBagOps(OpRegistry& registry);

// The groups (worker/bag/*.cc).
void RegisterBagPartitionOps(OpRegistry& registry);  // bag_partition_ops.cc
void RegisterBagCountOps(OpRegistry& registry);      // bag_count_ops.cc
void RegisterBagTopkOps(OpRegistry& registry);       // bag_topk_ops.cc

}  // namespace brisk
