// What a brisk::Frame is made of (not installed): the layer of tasks that compute its partitions
// (the same immutable, shared layers as brisk::Array's), and the per-partition verbs not yet
// turned into tasks, fused into one frame.apply per partition when something needs them.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "brisk/frame.h"
#include "brisk/v1/graph.pb.h"
#include "client/array_data.h"

namespace brisk {

struct FrameData {
  absl::Status status;  // not OK: every other field may be empty
  // The partitions of `layer` are NAME-0 ... NAME-(partitions - 1).
  std::string name;
  size_t partitions = 0;
  std::shared_ptr<const ArrayLayer> layer;
  // Verbs applied to each partition after `layer`, as frame.apply's steps (["filter", EXPR]...).
  std::vector<v1::Arg> steps;
};

Frame ErrorFrame(absl::Status status);
std::string PartitionKeyOf(const std::string& name, size_t i);
// A Frame of a new layer of `tasks` (which compute NAME-i), over the layers `deps`.
Frame MakeFrame(std::string name, size_t partitions, std::vector<v1::Task> tasks,
                std::vector<std::shared_ptr<const ArrayLayer>> deps);
// The Frame with its pending steps made into tasks (itself when it has none).
Frame Materialized(const Frame& frame);

}  // namespace brisk
