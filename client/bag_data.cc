// The core of brisk::Bag: its parts and steps, materializing them, tree reductions, and running a
// Bag's graph on a client.
#include "client/bag_data.h"

#include <cstdio>
#include <filesystem>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "brisk/client.h"
#include "brisk/value.h"
#include "worker/bag/partition_table.h"

namespace brisk {
namespace {

const std::shared_ptr<const BagData>& DefaultBagData() {
  static const auto* data = new std::shared_ptr<const BagData>([] {
    auto d = std::make_shared<BagData>();
    d->status = absl::FailedPreconditionError("a Bag made by its default constructor");
    return d;
  }());
  return *data;
}

void CollectLayer(const std::shared_ptr<const ArrayLayer>& layer,
                  absl::flat_hash_set<const ArrayLayer*>& seen, v1::Graph& graph) {
  if (!layer || !seen.insert(layer.get()).second) return;
  for (const auto& dep : layer->deps) CollectLayer(dep, seen, graph);
  for (const v1::Task& task : layer->tasks) *graph.add_tasks() = task;
}

bool HasSteps(const BagData& data) {
  return data.steps.kind_case() == v1::Arg::kList && data.steps.list().items_size() > 0;
}

absl::StatusOr<std::vector<ValuePtr>> GatherParts(Client& client, const Bag& bag) {
  const BagData& data = *bag.data();
  if (!IsLazy(data) && data.layer && data.layer->persisted) {
    std::vector<std::string> keys;
    for (const BagPart& p : data.parts) keys.push_back(p.ref);
    return client.GatherKeys(keys);
  }
  absl::StatusOr<Job> job = client.Submit(bag.ToGraph());
  if (!job.ok()) return job.status();
  absl::StatusOr<std::vector<ValuePtr>> parts = client.Gather(job->outputs);
  client.Release(job->id).IgnoreError();
  return parts;
}

}  // namespace

Bag ErrorBag(absl::Status status) {
  auto data = std::make_shared<BagData>();
  data->status = std::move(status);
  return Bag(std::move(data));
}

bool IsLazy(const BagData& data) {
  if (HasSteps(data)) return true;
  for (const BagPart& p : data.parts) {
    if (p.ref.empty()) return true;
  }
  return false;
}

void SetBagInput(const BagData& data, size_t i, v1::Task& task) {
  const BagPart& part = data.parts[i];
  if (!part.ref.empty()) {
    *task.add_args() = RefArg(part.ref);
  } else {
    (*task.mutable_kwargs())["read"] = part.read;
  }
  if (HasSteps(data)) (*task.mutable_kwargs())["steps"] = data.steps;
}

std::vector<std::shared_ptr<const ArrayLayer>> BagDeps(const BagData& data) {
  if (!data.layer) return {};
  return {data.layer};
}

Bag MakeBag(BagKind kind, std::string name, std::vector<std::string> keys,
            std::vector<v1::Task> tasks, std::vector<std::shared_ptr<const ArrayLayer>> deps) {
  auto layer = std::make_shared<ArrayLayer>();
  layer->name = name;
  layer->tasks = std::move(tasks);
  layer->deps = std::move(deps);
  auto data = std::make_shared<BagData>();
  data->kind = kind;
  data->name = std::move(name);
  for (std::string& key : keys) data->parts.push_back(BagPart{std::move(key), {}});
  data->layer = std::move(layer);
  return Bag(std::move(data));
}

Bag Materialize(const Bag& bag) {
  const BagData& data = *bag.data();
  if (!data.status.ok() || !IsLazy(data)) return bag;
  std::vector<v1::Task> tasks;
  std::vector<std::string> keys;
  for (size_t i = 0; i < data.parts.size(); ++i) {
    v1::Task task;
    task.set_key(absl::StrCat(data.name, "-", i));
    task.set_op("bag.partition");
    SetBagInput(data, i, task);
    keys.push_back(task.key());
    tasks.push_back(std::move(task));
  }
  return MakeBag(data.kind, data.name, std::move(keys), std::move(tasks), BagDeps(data));
}

void TreeReduce(std::vector<std::string> keys, const std::string& name,
                const std::string& final_key, int split_every,
                const std::function<void(v1::Task&, bool last)>& make,
                std::vector<v1::Task>& tasks) {
  const size_t fan_in = static_cast<size_t>(std::max(split_every, 2));
  for (int level = 0;; ++level) {
    const bool last = keys.size() <= fan_in;
    std::vector<std::string> next;
    for (size_t at = 0; at < keys.size() || (at == 0 && keys.empty()); at += fan_in) {
      v1::Task task;
      task.set_key(last ? final_key : absl::StrCat(name, "-l", level, "-", next.size()));
      for (size_t i = at; i < std::min(keys.size(), at + fan_in); ++i) {
        *task.add_args() = RefArg(keys[i]);
      }
      make(task, last);
      next.push_back(task.key());
      tasks.push_back(std::move(task));
      if (keys.empty()) break;
    }
    if (last) return;
    keys = std::move(next);
  }
}

Bag::Bag() : data_(DefaultBagData()) {}

const absl::Status& Bag::status() const { return data_->status; }
BagKind Bag::kind() const { return data_->kind; }
int Bag::npartitions() const { return static_cast<int>(data_->parts.size()); }
const std::string& Bag::name() const { return data_->name; }

std::vector<std::string> Bag::PartitionKeys() const {
  std::vector<std::string> keys;
  const bool lazy = IsLazy(*data_);
  for (size_t i = 0; i < data_->parts.size(); ++i) {
    keys.push_back(lazy ? absl::StrCat(data_->name, "-", i) : data_->parts[i].ref);
  }
  return keys;
}

v1::Graph Bag::ToGraph() const {
  const Bag made = Materialize(*this);
  v1::Graph graph;
  absl::flat_hash_set<const ArrayLayer*> seen;
  CollectLayer(made.data()->layer, seen, graph);
  for (const BagPart& p : made.data()->parts) graph.add_outputs(p.ref);
  CullGraph(graph);
  return graph;
}

absl::StatusOr<v1::Value> Bag::Compute(Client& client) const {
  if (!ok()) return status();
  absl::StatusOr<std::vector<ValuePtr>> parts = GatherParts(client, *this);
  if (!parts.ok()) return parts.status();
  if (kind() == BagKind::kItem) {
    if (parts->size() != 1) return absl::InternalError("an item Bag of more than one partition");
    return *(*parts)[0];
  }
  if (kind() == BagKind::kRecords) {
    v1::Value out;
    v1::ValueList* list = out.mutable_list();
    for (const ValuePtr& p : *parts) {
      if (p->kind_case() == v1::Value::kList) {
        for (const v1::Value& item : p->list().items()) *list->add_items() = item;
      } else {
        return absl::InternalError(absl::StrCat("a records partition of ", KindName(*p)));
      }
    }
    return out;
  }
  const bool counts = kind() == BagKind::kCounts;
  StringColumn text;
  std::vector<int64_t> n;
  for (size_t i = 0; i < parts->size(); ++i) {
    const v1::Value& part = *(*parts)[i];
    if (counts) {
      absl::StatusOr<CountsView> view = ViewCounts("Bag::Compute", part);
      if (!view.ok()) return view.status();
      for (uint64_t r = 0; r < view->size(); ++r) {
        text.Add(view->values.String(r));
        n.push_back(view->counts[r]);
      }
      continue;
    }
    if (part.kind_case() == v1::Value::kList) {  // a plugin's list of str
      for (const v1::Value& item : part.list().items()) {
        text.Add(item.kind_case() == v1::Value::kStr ? item.str() : item.bytes());
      }
      continue;
    }
    absl::StatusOr<TableView> table = TableView::Of(part);
    if (!table.ok()) return table.status();
    absl::StatusOr<ColumnView> column = table->column(kTextColumn);
    if (!column.ok() || column->dtype() != v1::DTYPE_STRING) {
      return absl::InvalidArgumentError(
          absl::StrCat("partition ", i, " of bag ", name(),
                       " is not text (a table of a string column \"text\")"));
    }
    for (uint64_t r = 0; r < column->size(); ++r) text.Add(column->String(r));
  }
  if (counts) return MakeStringTable(kValueColumn, std::move(text), kCountColumn, &n);
  return MakeTextPartition(std::move(text));
}

absl::StatusOr<std::vector<std::string>> Bag::ComputeStrings(Client& client) const {
  if (ok() && kind() != BagKind::kText && kind() != BagKind::kCounts) {
    return absl::InvalidArgumentError("Bag::ComputeStrings: the Bag's records are not text");
  }
  absl::StatusOr<v1::Value> value = Compute(client);
  if (!value.ok()) return value.status();
  absl::StatusOr<TableView> table = TableView::Of(*value);
  if (!table.ok()) return table.status();
  const ColumnView& column = table->column(0);
  std::vector<std::string> out;
  out.reserve(column.size());
  for (uint64_t r = 0; r < column.size(); ++r) out.emplace_back(column.String(r));
  return out;
}

absl::StatusOr<std::vector<ValueCount>> Bag::ComputeCounts(Client& client) const {
  if (ok() && kind() != BagKind::kCounts) {
    return absl::InvalidArgumentError(
        "Bag::ComputeCounts: not a counts Bag (Frequencies, or TopK of it)");
  }
  absl::StatusOr<v1::Value> value = Compute(client);
  if (!value.ok()) return value.status();
  absl::StatusOr<CountsView> view = ViewCounts("Bag::ComputeCounts", *value);
  if (!view.ok()) return view.status();
  std::vector<ValueCount> out;
  out.reserve(view->size());
  for (uint64_t r = 0; r < view->size(); ++r) {
    out.push_back(ValueCount{std::string(view->values.String(r)), view->counts[r]});
  }
  return out;
}

absl::StatusOr<Bag> Bag::Persist(Client& client) const {
  if (!ok()) return status();
  const Bag made = Materialize(*this);
  if (made.data()->layer && made.data()->layer->persisted) return made;
  absl::StatusOr<std::shared_ptr<PersistedJob>> held =
      HoldGraph(client, made.ToGraph(), "partition");
  if (!held.ok()) return held.status();
  auto layer = std::make_shared<ArrayLayer>();
  layer->name = name();
  layer->persisted = *std::move(held);
  auto data = std::make_shared<BagData>(*made.data());
  data->layer = std::move(layer);
  return Bag(std::move(data));
}

absl::StatusOr<int64_t> Bag::ToTextFiles(Client& client, const std::string& dir, bool gzip) const {
  if (!ok()) return status();
  if (kind() == BagKind::kItem) {
    return absl::InvalidArgumentError("Bag::ToTextFiles: a Count or Fold result has no records");
  }
  std::error_code ec;
  std::filesystem::path abs = std::filesystem::absolute(dir, ec);
  const std::string out_dir = ec ? dir : abs.lexically_normal().string();
  const std::string name = ArrayName("write-text", {data_->name, out_dir, gzip ? "gz" : ""});
  std::vector<v1::Task> tasks;
  std::vector<std::string> keys;
  for (size_t i = 0; i < data_->parts.size(); ++i) {
    v1::Task task;
    task.set_key(absl::StrCat(name, "-", i));
    task.set_op("bag.write_text");
    SetBagInput(*data_, i, task);
    char file[48];
    std::snprintf(file, sizeof(file), "part-%05zu.txt%s", i, gzip ? ".gz" : "");
    (*task.mutable_kwargs())["path"] = StrArg(absl::StrCat(out_dir, "/", file));
    if (gzip) (*task.mutable_kwargs())["compress"] = BoolArg(true);
    keys.push_back(task.key());
    tasks.push_back(std::move(task));
  }
  std::filesystem::create_directories(out_dir, ec);
  Bag written = MakeBag(BagKind::kItem, name, keys, std::move(tasks), BagDeps(*data_));
  absl::StatusOr<std::vector<ValuePtr>> counts = GatherParts(client, written);
  if (!counts.ok()) return counts.status();
  int64_t lines = 0;
  for (const ValuePtr& v : *counts) lines += v->int_();
  return lines;
}

}  // namespace brisk
