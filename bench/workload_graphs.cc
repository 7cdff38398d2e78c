#include "bench/workload_graphs.h"

#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"

namespace brisk::bench {
namespace {

v1::Task* AddTask(v1::Graph& graph, std::string key, const std::string& op) {
  v1::Task* task = graph.add_tasks();
  task->set_key(std::move(key));
  task->set_op(op);
  return task;
}

}  // namespace

v1::Graph IndependentGraph(const std::string& prefix, int64_t n) {
  v1::Graph graph;
  graph.mutable_tasks()->Reserve(static_cast<int>(n));
  for (int64_t i = 0; i < n; ++i) {
    AddTask(graph, absl::StrCat(prefix, "-", i), "inc")->add_args()->set_int_(i);
  }
  return graph;
}

v1::Graph ChainGraph(const std::string& prefix, int64_t n) {
  v1::Graph graph;
  AddTask(graph, absl::StrCat(prefix, "-0"), "inc")->add_args()->set_int_(0);
  for (int64_t i = 1; i < n; ++i) {
    AddTask(graph, absl::StrCat(prefix, "-", i), "inc")
        ->add_args()
        ->set_ref(absl::StrCat(prefix, "-", i - 1));
  }
  graph.add_outputs(absl::StrCat(prefix, "-", n - 1));
  return graph;
}

v1::Graph TreeGraph(const std::string& prefix, int64_t leaves, int fan_in) {
  v1::Graph graph;
  std::vector<std::string> level;
  for (int64_t i = 0; i < leaves; ++i) {
    v1::Task* task = AddTask(graph, absl::StrCat(prefix, "-0-", i), "inc");
    task->add_args()->set_int_(i);
    level.push_back(task->key());
  }
  for (int depth = 1; level.size() > 1; ++depth) {
    std::vector<std::string> next;
    for (size_t i = 0; i < level.size(); i += fan_in) {
      v1::Task* task = AddTask(graph, absl::StrCat(prefix, "-", depth, "-", i / fan_in), "add");
      for (size_t j = i; j < std::min(level.size(), i + fan_in); ++j) {
        task->add_args()->set_ref(level[j]);
      }
      next.push_back(task->key());
    }
    level = std::move(next);
  }
  graph.add_outputs(level.front());
  return graph;
}

v1::Graph ShuffleGraph(const std::string& prefix, int partitions, int64_t rows) {
  v1::Graph graph;
  for (int i = 0; i < partitions; ++i) {
    v1::Task* range = AddTask(graph, absl::StrCat(prefix, "-range-", i), "range");
    range->add_args()->set_int_(i * rows);
    range->add_args()->set_int_((i + 1) * rows);
    v1::Task* split = AddTask(graph, absl::StrCat(prefix, "-split-", i), "partition");
    split->add_args()->set_ref(range->key());
    split->add_args()->set_int_(partitions);
  }
  for (int j = 0; j < partitions; ++j) {
    std::vector<std::string> pieces;
    for (int i = 0; i < partitions; ++i) {
      v1::Task* piece = AddTask(graph, absl::StrCat(prefix, "-piece-", i, "-", j), "getitem");
      piece->add_args()->set_ref(absl::StrCat(prefix, "-split-", i));
      piece->add_args()->set_int_(j);
      pieces.push_back(piece->key());
    }
    v1::Task* concat = AddTask(graph, absl::StrCat(prefix, "-concat-", j), "concat");
    v1::ArgList* list = concat->add_args()->mutable_list();
    for (const std::string& key : pieces) list->add_items()->set_ref(key);
    v1::Task* len = AddTask(graph, absl::StrCat(prefix, "-len-", j), "len");
    len->add_args()->set_ref(concat->key());
    graph.add_outputs(len->key());
  }
  return graph;
}

std::string TransferSourceKey(const std::string& prefix) { return absl::StrCat(prefix, "-source"); }

v1::Graph TransferSourceGraph(const std::string& prefix, int64_t nbytes, const std::string& worker,
                              TransferKind kind) {
  v1::Graph graph;
  if (kind == TransferKind::kBytes) {
    v1::Task* source = AddTask(graph, TransferSourceKey(prefix), "bytes");
    source->add_args()->set_int_(nbytes);
    source->add_workers(worker);
  } else {
    v1::Task* source = AddTask(graph, TransferSourceKey(prefix), "full");
    source->add_args()->mutable_list()->add_items()->set_int_(nbytes / 8);
    source->add_args()->set_float_(1.0);
    source->add_workers(worker);
  }
  return graph;
}

v1::Graph TransferSinkGraph(const std::string& prefix, int64_t nbytes,
                            const std::string& source_worker, const std::string& worker,
                            TransferKind kind) {
  v1::Graph graph = TransferSourceGraph(prefix, nbytes, source_worker, kind);
  v1::Task* sink = AddTask(graph, absl::StrCat(prefix, "-sink"), "nbytes");
  sink->add_args()->set_ref(TransferSourceKey(prefix));
  sink->add_workers(worker);
  graph.add_outputs(sink->key());
  return graph;
}

}  // namespace brisk::bench
