#include "common/graph_validate.h"

#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "brisk/value.h"

namespace brisk {
namespace {

// Both walk nested lists with a stack of their own: a message's nesting is bounded by the
// protobuf parser, not by this thread's call stack.
void ForEachRefInArg(const v1::Arg& top, const std::function<void(const std::string&)>& fn) {
  if (top.kind_case() == v1::Arg::kRef) {
    fn(top.ref());
    return;
  }
  if (top.kind_case() != v1::Arg::kList) return;
  std::vector<const v1::Arg*> todo{&top};
  while (!todo.empty()) {
    const v1::Arg* arg = todo.back();
    todo.pop_back();
    if (arg->kind_case() == v1::Arg::kRef) {
      fn(arg->ref());
    } else if (arg->kind_case() == v1::Arg::kList) {
      const auto& items = arg->list().items();
      for (int i = items.size() - 1; i >= 0; --i) todo.push_back(&items[i]);  // in order
    }
  }
}

absl::Status CheckArg(const std::string& key, const std::string& top_where, const v1::Arg& top) {
  const auto kind = top.kind_case();
  if (kind != v1::Arg::kList && kind != v1::Arg::KIND_NOT_SET && kind != v1::Arg::kNdarray &&
      kind != v1::Arg::kTable && !(kind == v1::Arg::kRef && top.ref().empty())) {
    return absl::OkStatus();  // the common case, checked without a stack
  }
  std::vector<std::pair<const v1::Arg*, std::string>> todo{{&top, top_where}};
  while (!todo.empty()) {
    auto [arg, where] = std::move(todo.back());
    todo.pop_back();
    if (arg->kind_case() == v1::Arg::KIND_NOT_SET) {
      return absl::InvalidArgumentError(absl::StrCat(
          "task \"", key, "\": ", where,
          " is empty; an argument needs one of ref, int, float, str, bytes, bool, list, ndarray, "
          "table"));
    }
    if (arg->kind_case() == v1::Arg::kNdarray || arg->kind_case() == v1::Arg::kTable) {
      absl::Status literal = arg->kind_case() == v1::Arg::kNdarray ? CheckArray(arg->ndarray())
                                                                   : CheckTable(arg->table());
      if (!literal.ok()) {
        return absl::InvalidArgumentError(
            absl::StrCat("task \"", key, "\": ", where, ": ", literal.message()));
      }
    }
    if (arg->kind_case() == v1::Arg::kRef && arg->ref().empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("task \"", key, "\": ", where, " has an empty ref"));
    }
    if (arg->kind_case() == v1::Arg::kList) {
      const auto& items = arg->list().items();
      for (int i = items.size() - 1; i >= 0; --i) {
        todo.emplace_back(&items[i], absl::StrCat(where, ".list.items[", i, "]"));
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace

void ForEachRef(const v1::Task& task, const std::function<void(const std::string&)>& fn) {
  for (const v1::Arg& arg : task.args()) ForEachRefInArg(arg, fn);
  for (const auto& [name, arg] : task.kwargs()) ForEachRefInArg(arg, fn);
}

void ForEachDependency(const v1::Task& task, const std::function<void(const std::string&)>& fn) {
  ForEachRef(task, fn);
  for (const std::string& key : task.after()) fn(key);
}

std::vector<std::string> Dependencies(const v1::Task& task) {
  std::vector<std::string> deps;
  ForEachDependency(task, [&](const std::string& key) {
    for (const std::string& seen : deps) {
      if (seen == key) return;
    }
    deps.push_back(key);
  });
  return deps;
}

absl::Status ValidateGraph(const v1::Graph& graph, const GraphCheck& check) {
  if (graph.tasks_size() == 0) return absl::InvalidArgumentError("graph has no tasks");
  absl::flat_hash_map<absl::string_view, int> index;
  index.reserve(graph.tasks_size());
  for (int i = 0; i < graph.tasks_size(); ++i) {
    const v1::Task& task = graph.tasks(i);
    if (task.key().empty()) {
      return absl::InvalidArgumentError(absl::StrCat("tasks[", i, "] has an empty key"));
    }
    for (const char c : task.key()) {
      // Control characters are reserved: the scheduler tells tasks of one key apart with one.
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
        return absl::InvalidArgumentError(absl::StrCat(
            "task \"", absl::CEscape(task.key()), "\": a key may not contain control characters"));
      }
    }
    if (!index.emplace(task.key(), i).second) {
      return absl::InvalidArgumentError(absl::StrCat("duplicate key \"", task.key(), "\""));
    }
  }
  for (int i = 0; i < graph.tasks_size(); ++i) {
    const v1::Task& task = graph.tasks(i);
    const std::string& key = task.key();
    if (task.op().empty()) {
      return absl::InvalidArgumentError(absl::StrCat("task \"", key, "\" has no op"));
    }
    // Any other op name is accepted: a plugin's op runs once a worker that has it joins.
    if (task.op().size() > kMaxOpNameLength) {
      return absl::InvalidArgumentError(absl::StrCat("task \"", key, "\": its op name is ",
                                                     task.op().size(), " bytes long (at most ",
                                                     kMaxOpNameLength, ")"));
    }
    for (const char c : task.op()) {
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
        return absl::InvalidArgumentError(absl::StrCat("task \"", key, "\": op \"",
                                                       absl::CEscape(task.op()),
                                                       "\" contains a control character"));
      }
    }
    for (int a = 0; a < task.args_size(); ++a) {
      auto status = CheckArg(key, absl::StrCat("args[", a, "]"), task.args(a));
      if (!status.ok()) return status;
    }
    for (const auto& [name, arg] : task.kwargs()) {
      auto status = CheckArg(key, absl::StrCat("kwargs.", name), arg);
      if (!status.ok()) return status;
    }
    if (task.retries() < 0) {
      return absl::InvalidArgumentError(absl::StrCat("task \"", key, "\": retries is negative"));
    }
    if (!(task.timeout_s() >= 0)) {  // also NaN
      return absl::InvalidArgumentError(absl::StrCat("task \"", key, "\": timeoutS is negative"));
    }
    for (const auto& [name, amount] : task.resources()) {
      if (!(amount >= 0)) {
        return absl::InvalidArgumentError(
            absl::StrCat("task \"", key, "\": resource \"", name, "\" has a negative amount"));
      }
    }
    absl::Status missing = absl::OkStatus();
    ForEachDependency(task, [&](const std::string& dep) {
      if (!missing.ok()) return;
      if (dep == key) {
        missing =
            absl::InvalidArgumentError(absl::StrCat("cycle: \"", key, "\" depends on itself"));
      } else if (!index.contains(dep) && !check.key_exists(dep)) {
        missing = absl::InvalidArgumentError(
            absl::StrCat("task \"", key, "\" depends on missing key \"", dep, "\""));
      }
    });
    if (!missing.ok()) return missing;
  }
  for (const std::string& out : graph.outputs()) {
    if (!index.contains(out) && !check.key_exists(out)) {
      return absl::InvalidArgumentError(absl::StrCat("output \"", out, "\" is not a task"));
    }
  }

  // Cycle detection: iterative depth-first search over the graph's own tasks.
  const int n = graph.tasks_size();
  std::vector<std::vector<int>> deps(n);
  for (int i = 0; i < n; ++i) {
    ForEachDependency(graph.tasks(i), [&](const std::string& dep) {
      auto it = index.find(dep);
      if (it != index.end()) deps[i].push_back(it->second);
    });
  }
  enum Color : uint8_t { kWhite, kGrey, kBlack };
  std::vector<Color> color(n, kWhite);
  std::vector<std::pair<int, size_t>> stack;  // (task, next dependency to visit)
  for (int root = 0; root < n; ++root) {
    if (color[root] != kWhite) continue;
    stack.push_back({root, 0});
    color[root] = kGrey;
    while (!stack.empty()) {
      auto& [node, next] = stack.back();
      if (next == deps[node].size()) {
        color[node] = kBlack;
        stack.pop_back();
        continue;
      }
      const int dep = deps[node][next++];
      if (color[dep] == kGrey) {
        std::vector<std::string> path;
        size_t start = 0;
        while (stack[start].first != dep) ++start;
        for (size_t s = start; s < stack.size(); ++s) {
          path.push_back(absl::StrCat("\"", graph.tasks(stack[s].first).key(), "\""));
        }
        path.push_back(absl::StrCat("\"", graph.tasks(dep).key(), "\""));
        return absl::InvalidArgumentError(absl::StrCat("cycle: ", absl::StrJoin(path, " -> ")));
      }
      if (color[dep] == kWhite) {
        color[dep] = kGrey;
        stack.push_back({dep, 0});
      }
    }
  }
  return absl::OkStatus();
}

std::vector<std::string> DefaultOutputs(const v1::Graph& graph) {
  absl::flat_hash_set<std::string> depended;
  for (const v1::Task& task : graph.tasks()) {
    ForEachDependency(task, [&](const std::string& dep) { depended.insert(dep); });
  }
  std::vector<std::string> outputs;
  for (const v1::Task& task : graph.tasks()) {
    if (!depended.contains(task.key())) outputs.push_back(task.key());
  }
  return outputs;
}

}  // namespace brisk
