// Checks a submitted graph before the scheduler accepts it: keys, ops, references and cycles.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "brisk/v1/graph.pb.h"

namespace brisk {

// Calls `fn(key)` for every key `task` depends on: refs in args and kwargs (also inside lists)
// and the keys in `after`. A key may be reported more than once.
void ForEachDependency(const v1::Task& task, const std::function<void(const std::string&)>& fn);

// Calls `fn(key)` for every ref in the task's args and kwargs (the values it takes; not `after`).
void ForEachRef(const v1::Task& task, const std::function<void(const std::string&)>& fn);

// Returns the distinct keys `task` depends on, in first-seen order.
std::vector<std::string> Dependencies(const v1::Task& task);

// The longest op name a graph may use.
inline constexpr size_t kMaxOpNameLength = 256;

struct GraphCheck {
  // Whether a key outside this graph already exists at the scheduler (a graph may depend on it).
  std::function<bool(absl::string_view)> key_exists = [](absl::string_view) { return false; };
};

// InvalidArgument naming the task key and what is wrong: empty or duplicate key, a missing op or
// one whose name has a control character or is absurdly long (any other op name is accepted: it
// may be a plugin's), an empty argument, a reference to a key that exists nowhere, a negative
// retries, timeout or resource amount, an output that is not a task, or a cycle (with its path).
absl::Status ValidateGraph(const v1::Graph& graph, const GraphCheck& check);

// The keys no task in the graph depends on, in task order: the default outputs.
std::vector<std::string> DefaultOutputs(const v1::Graph& graph);

}  // namespace brisk
