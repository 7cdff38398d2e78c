// What the graph fuzz targets do with a graph that parsed: everything the scheduler does with a
// submitted graph before it accepts it.
#pragma once

#include "absl/strings/match.h"
#include "brisk/v1/graph.pb.h"
#include "common/graph_validate.h"

namespace brisk::fuzz {

inline void CheckGraph(const v1::Graph& graph) {
  GraphCheck check;
  // Some keys exist outside the graph, as keys held from earlier jobs do.
  check.key_exists = [](absl::string_view key) { return absl::StartsWith(key, "held"); };
  (void)ValidateGraph(graph, check);
  (void)DefaultOutputs(graph);
  for (const v1::Task& task : graph.tasks()) (void)Dependencies(task);
}

}  // namespace brisk::fuzz
