#include "client/ml/ml_passes.h"

#include <cstring>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "client/array_data.h"

namespace brisk::ml {
namespace {

// The tasks computing every input's blocks (none for persisted ones), each key once.
void AddInputTasks(const std::vector<Array>& inputs, v1::Graph& graph) {
  absl::flat_hash_set<std::string> seen;
  for (const Array& a : inputs) {
    v1::Graph g = a.ToGraph();
    for (v1::Task& t : *g.mutable_tasks()) {
      if (seen.insert(t.key()).second) *graph.add_tasks() = std::move(t);
    }
  }
}

std::string PassName(const std::vector<Array>& inputs, const BlockTask& task,
                     const std::string& tag) {
  std::vector<std::string> parts = {task.op};
  for (const Array& a : inputs) parts.push_back(a.name());
  for (const v1::Arg& arg : task.extra_args) parts.push_back(arg.SerializeAsString());
  for (const auto& [k, v] : task.kwargs)
    parts.push_back(absl::StrCat(k, "=", v.SerializeAsString()));
  return ArrayName(tag, parts);
}

// The block tasks of a pass; their keys in `keys`.
void AddBlockTasks(const std::vector<Array>& inputs, const BlockTask& task, const std::string& name,
                   v1::Graph& graph, std::vector<std::string>& keys) {
  const uint64_t blocks = inputs[0].NumBlocks().empty() ? 1 : inputs[0].NumBlocks()[0];
  for (uint64_t i = 0; i < blocks; ++i) {
    v1::Task* t = graph.add_tasks();
    t->set_key(BlockKeyOf(name, {i}));
    t->set_op(task.op);
    for (const Array& a : inputs) {
      Shape block(a.ndim(), 0);
      if (!block.empty()) block[0] = i;
      *t->add_args() = RefArg(a.BlockKey(block));
    }
    for (const v1::Arg& arg : task.extra_args) *t->add_args() = arg;
    for (const auto& [k, v] : task.kwargs) (*t->mutable_kwargs())[k] = v;
    keys.push_back(t->key());
  }
}

absl::StatusOr<std::vector<ValuePtr>> Run(Client& client, const v1::Graph& graph) {
  absl::StatusOr<Job> job = client.Submit(graph);
  if (!job.ok()) return job.status();
  absl::StatusOr<std::vector<ValuePtr>> values = client.Gather(job->outputs);
  client.Release(job->id).IgnoreError();
  return values;
}

}  // namespace

absl::Status CheckRows(const Array& x, absl::string_view what, bool vector) {
  if (!x.ok()) return x.status();
  if (vector ? x.ndim() != 1 : x.ndim() != 2) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, " must be ", vector ? "1-D" : "2-D", ", got ", x.ndim(), " dimensions"));
  }
  if (!vector && x.NumBlocks()[1] != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, " must be chunked along rows only (one block along axis 1), got ",
                     x.NumBlocks()[1], " blocks along axis 1: Rechunk it"));
  }
  if (x.dtype() == v1::DTYPE_STRING) {
    return absl::InvalidArgumentError(absl::StrCat(what, " must be numeric"));
  }
  return absl::OkStatus();
}

absl::Status CheckSameRows(const Array& x, const Array& y, absl::string_view what) {
  if (x.shape()[0] != y.shape()[0] || x.chunks()[0] != y.chunks()[0]) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": y must have X's rows (", x.shape()[0], ") in X's row chunks (",
                     absl::StrJoin(x.chunks()[0], ","), "), got ", y.shape()[0], " in (",
                     absl::StrJoin(y.chunks()[0], ","), ")"));
  }
  return absl::OkStatus();
}

absl::StatusOr<Array> Persisted(Client& client, const Array& x) {
  if (!x.ok()) return x.status();
  if (x.data()->layer && x.data()->layer->persisted) return x;
  return x.Persist(client);
}

absl::StatusOr<v1::Value> SumPass(Client& client, const std::vector<Array>& inputs,
                                  const BlockTask& task, const std::string& combine,
                                  int split_every, const std::string& tag) {
  v1::Graph graph;
  AddInputTasks(inputs, graph);
  const std::string name = PassName(inputs, task, tag);
  std::vector<std::string> level;
  AddBlockTasks(inputs, task, name, graph, level);
  return SumTasks(client, std::move(graph), level, combine, split_every, name);
}

absl::StatusOr<v1::Value> SumTasks(Client& client, v1::Graph graph,
                                   const std::vector<std::string>& block_keys,
                                   const std::string& combine, int split_every,
                                   const std::string& name) {
  std::vector<std::string> level = block_keys;
  const size_t fan_in = static_cast<size_t>(std::max(split_every, 2));
  for (int depth = 0; level.size() > 1; ++depth) {
    std::vector<std::string> next;
    for (size_t at = 0; at < level.size(); at += fan_in) {
      v1::Task* t = graph.add_tasks();
      t->set_key(absl::StrCat(name, "-sum", depth, "-", next.size()));
      t->set_op(combine);
      for (size_t i = at; i < std::min(level.size(), at + fan_in); ++i) {
        *t->add_args() = RefArg(level[i]);
      }
      next.push_back(t->key());
    }
    level = std::move(next);
  }
  graph.add_outputs(level[0]);
  absl::StatusOr<std::vector<ValuePtr>> values = Run(client, graph);
  if (!values.ok()) return values.status();
  return *(*values)[0];
}

bool IsNpyRead(const Array& a) {
  const auto& layer = a.data()->layer;
  if (!a.ok() || !layer || layer->persisted || !layer->deps.empty() || layer->tasks.empty()) {
    return false;
  }
  for (const v1::Task& t : layer->tasks) {
    if (t.op() != "array.read_npy") return false;
  }
  return true;
}

absl::StatusOr<std::vector<ValuePtr>> BlockPass(Client& client, const std::vector<Array>& inputs,
                                                const BlockTask& task, const std::string& tag) {
  v1::Graph graph;
  AddInputTasks(inputs, graph);
  std::vector<std::string> keys;
  AddBlockTasks(inputs, task, PassName(inputs, task, tag), graph, keys);
  for (const std::string& k : keys) graph.add_outputs(k);
  return Run(client, graph);
}

Array RowwiseArray(const Array& x, const BlockTask& task, DType dtype, const std::string& tag) {
  const std::string name = PassName({x}, task, tag);
  v1::Graph graph;
  std::vector<std::string> keys;
  AddBlockTasks({x}, task, name, graph, keys);
  std::vector<v1::Task> tasks(graph.tasks().begin(), graph.tasks().end());
  std::vector<std::shared_ptr<const ArrayLayer>> deps;
  if (x.data()->layer) deps.push_back(x.data()->layer);
  return MakeArray(dtype, {x.shape()[0]}, {x.chunks()[0]}, name, std::move(tasks), std::move(deps));
}

v1::Arg DoublesArg(const std::vector<double>& values, std::vector<uint64_t> shape) {
  v1::Arg arg;
  v1::NDArray* a = arg.mutable_ndarray();
  a->set_dtype(v1::DTYPE_FLOAT64);
  for (uint64_t d : shape) a->add_shape(d);
  a->set_data(
      std::string(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(double)));
  return arg;
}

absl::StatusOr<std::vector<double>> Doubles(const v1::Value& value) {
  absl::StatusOr<ArrayView> view = ArrayView::Of(value);
  if (!view.ok()) return view.status();
  absl::StatusOr<absl::Span<const double>> v = view->values<double>();
  if (!v.ok()) return v.status();
  return std::vector<double>(v->begin(), v->end());
}

}  // namespace brisk::ml
