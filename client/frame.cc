// brisk::Frame's verbs, grouped aggregates, joins, sorts and results (client/include/brisk/
// frame.h); its sources are in frame_sources.cc.
#include "brisk/frame.h"

#include <filesystem>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "brisk/client.h"
#include "client/frame_data.h"
#include "common/frame_expression.h"
#include "worker/frame/group_aggregate.h"
#include "worker/frame/table_concat.h"

namespace brisk {
namespace {

// Order statistics per partition and column in Describe's quantile sketches (describe_table.h).
constexpr int64_t kDescribeSketchPoints = 1001;

v1::Arg StrListArg(const std::vector<std::string>& items) {
  v1::Arg arg;
  arg.mutable_list();  // an empty list is a list too
  for (const std::string& s : items) *arg.mutable_list()->add_items() = StrArg(s);
  return arg;
}

v1::Arg Step(std::initializer_list<v1::Arg> parts) {
  v1::Arg arg;
  for (const v1::Arg& p : parts) *arg.mutable_list()->add_items() = p;
  return arg;
}

Frame WithStep(const Frame& frame, v1::Arg step) {
  if (!frame.ok()) return frame;
  auto data = std::make_shared<FrameData>(*frame.data());
  data->steps.push_back(std::move(step));
  return Frame(std::move(data));
}

// One task `key` = op(partitions of `frame`..., extra args) with `kwargs`.
v1::Task TaskOver(const std::string& key, const std::string& op,
                  const std::vector<std::string>& refs, std::vector<v1::Arg> extra = {},
                  std::vector<std::pair<std::string, v1::Arg>> kwargs = {}) {
  v1::Task task;
  task.set_key(key);
  task.set_op(op);
  for (const std::string& r : refs) *task.add_args() = RefArg(r);
  for (v1::Arg& a : extra) *task.add_args() = std::move(a);
  for (auto& [k, v] : kwargs) (*task.mutable_kwargs())[k] = std::move(v);
  return task;
}

// All partitions of a materialized frame in one: itself when it has one, else a frame.concat.
Frame Concatenated(const Frame& frame) {
  const Frame m = Materialized(frame);
  if (!m.ok() || m.num_partitions() == 1) return m;
  const std::string name = ArrayName("frame-concat", {m.data()->name});
  std::vector<v1::Task> tasks = {
      TaskOver(PartitionKeyOf(name, 0), "frame.concat", m.PartitionKeys())};
  return MakeFrame(name, 1, std::move(tasks), {m.data()->layer});
}

// The partial aggregate of each partition of a materialized `input` (keys BASE-pI).
std::vector<std::string> PartialTasks(const Frame& input, const std::string& base,
                                      const v1::Arg& keys, const v1::Arg& aggs,
                                      std::vector<v1::Task>& tasks) {
  std::vector<std::string> partials;
  for (size_t i = 0; i < input.num_partitions(); ++i) {
    const std::string key = absl::StrCat(base, "-p", i);
    tasks.push_back(TaskOver(key, "frame.groupby_partial", {PartitionKeyOf(input.data()->name, i)},
                             {keys, aggs}));
    partials.push_back(key);
  }
  return partials;
}

// The partials `level` merged `fan_in` at a time into one; keys PREFIX-cDEPTH.I. Its key.
std::string MergeTasks(std::vector<std::string> level, const std::string& prefix, int fan_in,
                       const v1::Arg& keys, const v1::Arg& aggs, std::vector<v1::Task>& tasks) {
  for (int depth = 0; level.size() > 1; ++depth) {
    std::vector<std::string> next;
    for (size_t i = 0; i < level.size(); i += static_cast<size_t>(fan_in)) {
      const size_t end = std::min(level.size(), i + static_cast<size_t>(fan_in));
      const std::string key = absl::StrCat(prefix, "-c", depth, ".", next.size());
      tasks.push_back(TaskOver(key, "frame.groupby_combine",
                               std::vector<std::string>(level.begin() + i, level.begin() + end), {},
                               {{"keys", keys}, {"aggs", aggs}}));
      next.push_back(key);
    }
    level = std::move(next);
  }
  return level[0];
}

}  // namespace

Frame ErrorFrame(absl::Status status) {
  auto data = std::make_shared<FrameData>();
  data->status = std::move(status);
  return Frame(std::move(data));
}

std::string PartitionKeyOf(const std::string& name, size_t i) { return absl::StrCat(name, "-", i); }

Frame MakeFrame(std::string name, size_t partitions, std::vector<v1::Task> tasks,
                std::vector<std::shared_ptr<const ArrayLayer>> deps) {
  auto layer = std::make_shared<ArrayLayer>();
  layer->name = name;
  layer->tasks = std::move(tasks);
  layer->deps = std::move(deps);
  auto data = std::make_shared<FrameData>();
  data->name = std::move(name);
  data->partitions = partitions;
  data->layer = std::move(layer);
  return Frame(std::move(data));
}

Frame Materialized(const Frame& frame) {
  if (!frame.ok() || frame.data()->steps.empty()) return frame;
  const FrameData& d = *frame.data();
  v1::Arg steps;
  for (const v1::Arg& s : d.steps) *steps.mutable_list()->add_items() = s;
  const std::string name = ArrayName("frame-apply", {d.name, steps.SerializeAsString()});
  std::vector<v1::Task> tasks;
  for (size_t i = 0; i < d.partitions; ++i) {
    tasks.push_back(
        TaskOver(PartitionKeyOf(name, i), "frame.apply", {PartitionKeyOf(d.name, i)}, {steps}));
  }
  return MakeFrame(name, d.partitions, std::move(tasks), {d.layer});
}

Frame::Frame()
    : Frame(ErrorFrame(absl::FailedPreconditionError("a Frame made by its default constructor"))) {}

Frame::Frame(std::shared_ptr<const FrameData> data) : data_(std::move(data)) {}

bool Frame::ok() const { return data_->status.ok(); }
const absl::Status& Frame::status() const { return data_->status; }
size_t Frame::num_partitions() const { return data_->partitions; }

std::vector<std::string> Frame::PartitionKeys() const {
  std::vector<std::string> keys;
  for (size_t i = 0; i < data_->partitions; ++i) keys.push_back(PartitionKeyOf(data_->name, i));
  return keys;
}

Frame Frame::Filter(const std::string& expr) const {
  // A malformed expression is the Frame's error at once (naming the token); a column the
  // partitions lack is found by the workers.
  if (absl::StatusOr<FrameExpr> parsed = ParseFrameExpression(expr); ok() && !parsed.ok()) {
    return ErrorFrame(parsed.status());
  }
  return WithStep(*this, Step({StrArg("filter"), StrArg(expr)}));
}

Frame Frame::Assign(const std::string& name, const std::string& expr) const {
  if (absl::StatusOr<FrameExpr> parsed = ParseFrameExpression(expr); ok() && !parsed.ok()) {
    return ErrorFrame(parsed.status());
  }
  if (ok() && name.empty()) {
    return ErrorFrame(absl::InvalidArgumentError("assign: the column needs a name"));
  }
  return WithStep(*this, Step({StrArg("assign"), StrArg(name), StrArg(expr)}));
}

Frame Frame::Select(const std::vector<std::string>& columns) const {
  v1::Arg step = Step({StrArg("select")});
  for (const std::string& c : columns) *step.mutable_list()->add_items() = StrArg(c);
  return WithStep(*this, std::move(step));
}

Frame Frame::Drop(const std::vector<std::string>& columns) const {
  v1::Arg step = Step({StrArg("drop")});
  for (const std::string& c : columns) *step.mutable_list()->add_items() = StrArg(c);
  return WithStep(*this, std::move(step));
}

Frame Frame::Rename(const std::vector<std::pair<std::string, std::string>>& old_to_new) const {
  v1::Arg step = Step({StrArg("rename")});
  for (const auto& [from, to] : old_to_new) {
    *step.mutable_list()->add_items() = StrArg(from);
    *step.mutable_list()->add_items() = StrArg(to);
  }
  return WithStep(*this, std::move(step));
}

Frame Frame::Head(int64_t n) const {
  if (!ok()) return *this;
  if (n < 0) return ErrorFrame(absl::InvalidArgumentError(absl::StrCat("head(", n, ")")));
  // Each partition's first n rows, then the first n of them all.
  const Frame each = Materialized(WithStep(*this, Step({StrArg("head"), IntArg(n)})));
  return WithStep(Concatenated(each), Step({StrArg("head"), IntArg(n)}));
}

FrameGroupBy Frame::GroupBy(const std::vector<std::string>& keys) const {
  return FrameGroupBy(*this, keys);
}

Frame Frame::Agg(const std::vector<std::string>& aggs, const AggregateOptions& options) const {
  return FrameGroupBy(*this, {}).Agg(aggs, options);
}

Frame FrameGroupBy::Agg(const std::vector<std::string>& aggs,
                        const AggregateOptions& options) const {
  if (!frame_.ok()) return frame_;
  if (aggs.empty()) return ErrorFrame(absl::InvalidArgumentError("agg needs an aggregate"));
  if (options.split_out < 1 || (options.split_out > 1 && keys_.empty())) {
    return ErrorFrame(absl::InvalidArgumentError(
        absl::StrCat("AggregateOptions::split_out is ", options.split_out,
                     keys_.empty() ? ": a frame's own aggregates are one row" : ", at least 1")));
  }
  if (options.fan_in < 2) {
    return ErrorFrame(absl::InvalidArgumentError(
        absl::StrCat("AggregateOptions::fan_in is ", options.fan_in, ", at least 2")));
  }
  if (!options.names.empty() && options.names.size() != aggs.size()) {
    return ErrorFrame(absl::InvalidArgumentError(
        absl::StrCat(options.names.size(), " names given for ", aggs.size(), " aggregates")));
  }
  absl::flat_hash_set<std::string> out_names(keys_.begin(), keys_.end());
  for (size_t j = 0; j < aggs.size(); ++j) {
    absl::StatusOr<Aggregate> agg = ParseAggregate(aggs[j]);
    if (!agg.ok()) return ErrorFrame(agg.status());
    const std::string name = options.names.empty() ? DefaultAggregateName(*agg) : options.names[j];
    if (!out_names.insert(name).second) {
      return ErrorFrame(absl::InvalidArgumentError(
          absl::StrCat("two result columns named \"", name, "\" (name them: AGG(COL) as NAME)")));
    }
  }
  const Frame input = Materialized(frame_);
  const v1::Arg keys = StrListArg(keys_), list = StrListArg(aggs);
  const std::string spec = absl::StrCat(keys.SerializeAsString(), list.SerializeAsString());
  const std::string base =
      ArrayName("frame-agg", {input.data()->name, spec, absl::StrCat(options.fan_in)});
  if (input.num_partitions() == 0) {
    return ErrorFrame(absl::InvalidArgumentError("a Frame without partitions"));
  }
  std::vector<v1::Task> tasks;
  const std::vector<std::string> partials = PartialTasks(input, base, keys, list, tasks);
  auto merge = [&](std::vector<std::string> level, const std::string& prefix) {
    return MergeTasks(std::move(level), prefix, options.fan_in, keys, list, tasks);
  };
  std::vector<std::pair<std::string, v1::Arg>> kwargs;
  if (!options.names.empty()) kwargs.emplace_back("names", StrListArg(options.names));
  // The partials are the same whatever the names and the split; the result is not.
  const std::string name = ArrayName(
      "frame-agg-result",
      {base, StrListArg(options.names).SerializeAsString(), absl::StrCat(options.split_out)});
  if (options.split_out <= 1) {
    tasks.push_back(TaskOver(PartitionKeyOf(name, 0), "frame.groupby_finish",
                             {merge(partials, base)}, {keys, list}, std::move(kwargs)));
    return MakeFrame(name, 1, std::move(tasks), {input.data()->layer});
  }
  // Many groups: each partial split by a hash of the keys into split_out buckets, and each
  // bucket merged and finished on its own, so no task holds every group (dask's split_out).
  const int buckets = options.split_out;
  for (int b = 0; b < buckets; ++b) {
    std::vector<std::string> pieces;
    for (size_t i = 0; i < partials.size(); ++i) {
      const std::string key = absl::StrCat(base, "-h", buckets, ".", b, ".", i);
      tasks.push_back(
          TaskOver(key, "frame.hash_partition", {partials[i]}, {keys, IntArg(b), IntArg(buckets)}));
      pieces.push_back(key);
    }
    const std::string merged = merge(pieces, absl::StrCat(base, "-h", buckets, ".", b));
    tasks.push_back(TaskOver(PartitionKeyOf(name, static_cast<size_t>(b)), "frame.groupby_finish",
                             {merged}, {keys, list}, kwargs));
  }
  return MakeFrame(name, static_cast<size_t>(buckets), std::move(tasks), {input.data()->layer});
}

Frame Frame::Join(const Frame& right, const std::vector<std::string>& on,
                  const std::string& how) const {
  JoinOptions options;
  options.how = how;
  return Join(right, on, options);
}

namespace {

// Bucket b of `buckets` of a materialized frame split by a hash of `keys`: the rows of every
// partition whose keys hash to b, concatenated in partition order (keys NAME-b).
Frame HashBuckets(const Frame& frame, const v1::Arg& keys, int buckets) {
  const std::string name = ArrayName(
      "frame-hash-buckets", {frame.data()->name, keys.SerializeAsString(), absl::StrCat(buckets)});
  std::vector<v1::Task> tasks;
  for (int b = 0; b < buckets; ++b) {
    std::vector<std::string> pieces;
    for (size_t i = 0; i < frame.num_partitions(); ++i) {
      const std::string key = absl::StrCat(name, "-p", b, ".", i);
      tasks.push_back(TaskOver(key, "frame.hash_partition", {PartitionKeyOf(frame.data()->name, i)},
                               {keys, IntArg(b), IntArg(buckets)}));
      pieces.push_back(key);
    }
    tasks.push_back(TaskOver(PartitionKeyOf(name, static_cast<size_t>(b)), "frame.concat", pieces));
  }
  return MakeFrame(name, static_cast<size_t>(buckets), std::move(tasks), {frame.data()->layer});
}

}  // namespace

Frame Frame::Join(const Frame& right, const std::vector<std::string>& on,
                  const JoinOptions& options) const {
  if (!ok()) return *this;
  if (!right.ok()) return right;
  const std::string& how = options.how;
  if (on.empty()) return ErrorFrame(absl::InvalidArgumentError("join needs a key column"));
  if (how != "inner" && how != "left") {
    return ErrorFrame(absl::InvalidArgumentError(
        absl::StrCat("join how must be \"inner\" or \"left\", got \"", how, "\"")));
  }
  if (options.npartitions < 0 || options.npartitions > (1 << 16)) {
    return ErrorFrame(absl::InvalidArgumentError(absl::StrCat(
        "JoinOptions::npartitions is ", options.npartitions, ", need 0 (automatic) to 65536")));
  }
  if (num_partitions() == 0 || right.num_partitions() == 0) {
    return ErrorFrame(absl::InvalidArgumentError("join: a Frame without partitions"));
  }
  const Frame left = Materialized(*this);
  const v1::Arg keys = StrListArg(on);
  const bool shuffle = options.strategy == JoinStrategy::kShuffle ||
                       (options.strategy == JoinStrategy::kAuto && right.num_partitions() > 1);
  if (shuffle) {
    const int buckets =
        options.npartitions > 0
            ? options.npartitions
            : static_cast<int>(std::max(left.num_partitions(), right.num_partitions()));
    const Frame lb = HashBuckets(left, keys, buckets);
    const Frame rb = HashBuckets(Materialized(right), keys, buckets);
    const std::string name = ArrayName(
        "frame-join-shuffle", {lb.data()->name, rb.data()->name, keys.SerializeAsString(), how});
    std::vector<v1::Task> tasks;
    for (size_t b = 0; b < static_cast<size_t>(buckets); ++b) {
      tasks.push_back(
          TaskOver(PartitionKeyOf(name, b), "frame.join",
                   {PartitionKeyOf(lb.data()->name, b), PartitionKeyOf(rb.data()->name, b)}, {keys},
                   {{"how", StrArg(how)}}));
    }
    return MakeFrame(name, static_cast<size_t>(buckets), std::move(tasks),
                     {lb.data()->layer, rb.data()->layer});
  }
  const Frame small = Concatenated(right);
  const std::string name = ArrayName(
      "frame-join", {left.data()->name, small.data()->name, keys.SerializeAsString(), how});
  const std::string small_key = PartitionKeyOf(small.data()->name, 0);
  std::vector<v1::Task> tasks;
  for (size_t i = 0; i < left.num_partitions(); ++i) {
    tasks.push_back(TaskOver(PartitionKeyOf(name, i), "frame.join",
                             {PartitionKeyOf(left.data()->name, i), small_key}, {keys},
                             {{"how", StrArg(how)}}));
  }
  return MakeFrame(name, left.num_partitions(), std::move(tasks),
                   {left.data()->layer, small.data()->layer});
}

Frame Frame::SortValues(const std::vector<std::string>& by,
                        const std::vector<bool>& ascending) const {
  if (!ok()) return *this;
  if (by.empty()) return ErrorFrame(absl::InvalidArgumentError("sort needs a column"));
  if (!ascending.empty() && ascending.size() != by.size()) {
    return ErrorFrame(absl::InvalidArgumentError(
        absl::StrCat(ascending.size(), " directions given for ", by.size(), " sort columns")));
  }
  v1::Arg directions;
  for (size_t i = 0; i < by.size(); ++i) {
    *directions.mutable_list()->add_items() = BoolArg(ascending.empty() || ascending[i]);
  }
  const v1::Arg columns = StrListArg(by);
  const std::string spec =
      absl::StrCat(columns.SerializeAsString(), directions.SerializeAsString());
  if (num_partitions() <= 1) {
    const Frame one = Concatenated(*this);
    const std::string name = ArrayName("frame-sort", {one.data()->name, spec});
    std::vector<v1::Task> tasks = {TaskOver(PartitionKeyOf(name, 0), "frame.sort",
                                            {PartitionKeyOf(one.data()->name, 0)}, {columns},
                                            {{"ascending", directions}})};
    return MakeFrame(name, 1, std::move(tasks), {one.data()->layer});
  }
  // Range partitioning: a sample of each partition, N-1 boundaries from them all, piece k of each
  // partition by them, and piece k of all of them concatenated in partition order and sorted
  // (stably: ties keep their input order).
  const Frame input = Materialized(*this);
  const size_t n = input.num_partitions();
  const std::string name = ArrayName("frame-sort-range", {input.data()->name, spec});
  // Enough rows from each partition that the pieces come out of about equal size.
  const int64_t sample_size = std::max<int64_t>(100, 20 * static_cast<int64_t>(n));
  std::vector<v1::Task> tasks;
  std::vector<std::string> samples;
  for (size_t i = 0; i < n; ++i) {
    const std::string key = absl::StrCat(name, "-s", i);
    tasks.push_back(TaskOver(key, "frame.sort_sample", {PartitionKeyOf(input.data()->name, i)},
                             {columns, IntArg(sample_size)}));
    samples.push_back(key);
  }
  const std::string bounds = absl::StrCat(name, "-bounds");
  tasks.push_back(TaskOver(
      bounds, "frame.sort_bounds", samples, {},
      {{"by", columns}, {"pieces", IntArg(static_cast<int64_t>(n))}, {"ascending", directions}}));
  for (size_t k = 0; k < n; ++k) {
    std::vector<std::string> pieces;
    for (size_t i = 0; i < n; ++i) {
      const std::string key = absl::StrCat(name, "-r", k, ".", i);
      tasks.push_back(
          TaskOver(key, "frame.range_partition", {PartitionKeyOf(input.data()->name, i), bounds},
                   {columns, IntArg(static_cast<int64_t>(k)), IntArg(static_cast<int64_t>(n))},
                   {{"ascending", directions}}));
      pieces.push_back(key);
    }
    const std::string joined = absl::StrCat(name, "-c", k);
    tasks.push_back(TaskOver(joined, "frame.concat", pieces));
    tasks.push_back(TaskOver(PartitionKeyOf(name, k), "frame.sort", {joined}, {columns},
                             {{"ascending", directions}}));
  }
  return MakeFrame(name, n, std::move(tasks), {input.data()->layer});
}

Frame Frame::ValueCounts(const std::string& column) const {
  AggregateOptions options;
  options.names = {"count"};
  return GroupBy({column}).Agg({"count()"}, options).SortValues({"count", column}, {false, true});
}

Frame Frame::Describe() const {
  if (!ok()) return *this;
  if (num_partitions() == 0) {
    return ErrorFrame(absl::InvalidArgumentError("describe: a Frame without partitions"));
  }
  const Frame input = Materialized(*this);
  const size_t n = input.num_partitions();
  const std::string name = ArrayName("frame-describe", {input.data()->name});
  std::vector<v1::Task> tasks;
  if (n == 1) {
    tasks.push_back(TaskOver(PartitionKeyOf(name, 0), "frame.describe",
                             {PartitionKeyOf(input.data()->name, 0)}));
    return MakeFrame(name, 1, std::move(tasks), {input.data()->layer});
  }
  // Which columns are numeric is known once the partitions are: a plan task says, and the
  // aggregates and sketches take its columns and aggregates as arguments.
  std::vector<std::string> kinds;
  for (size_t i = 0; i < n; ++i) {
    const std::string key = absl::StrCat(name, "-k", i);
    tasks.push_back(
        TaskOver(key, "frame.describe_columns", {PartitionKeyOf(input.data()->name, i)}));
    kinds.push_back(key);
  }
  const std::string plan = absl::StrCat(name, "-plan"), columns = absl::StrCat(name, "-columns"),
                    aggs = absl::StrCat(name, "-aggs");
  tasks.push_back(TaskOver(plan, "frame.describe_plan", kinds));
  tasks.push_back(TaskOver(columns, "getitem", {plan}, {IntArg(0)}));
  tasks.push_back(TaskOver(aggs, "getitem", {plan}, {IntArg(1)}));
  const v1::Arg no_keys = StrListArg({});
  const std::string base = absl::StrCat(name, "-agg");
  const std::string merged =
      MergeTasks(PartialTasks(input, base, no_keys, RefArg(aggs), tasks), base,
                 AggregateOptions().fan_in, no_keys, RefArg(aggs), tasks);
  const std::string stats = absl::StrCat(name, "-stats");
  tasks.push_back(TaskOver(stats, "frame.groupby_finish", {merged}, {no_keys, RefArg(aggs)}));
  std::vector<std::string> finish_args = {stats, columns};
  for (size_t i = 0; i < n; ++i) {
    const std::string key = absl::StrCat(name, "-q", i);
    tasks.push_back(TaskOver(key, "frame.quantile_sketch",
                             {PartitionKeyOf(input.data()->name, i), columns},
                             {IntArg(kDescribeSketchPoints)}));
    finish_args.push_back(key);
  }
  tasks.push_back(TaskOver(PartitionKeyOf(name, 0), "frame.describe_finish", finish_args));
  return MakeFrame(name, 1, std::move(tasks), {input.data()->layer});
}

v1::Graph Frame::ToGraph() const {
  const Frame m = Materialized(*this);
  v1::Graph graph;
  if (!m.ok()) return graph;
  absl::flat_hash_set<const ArrayLayer*> seen;
  CollectTasks(m.data()->layer, seen, graph);
  for (const std::string& key : m.PartitionKeys()) graph.add_outputs(key);
  CullGraph(graph);
  return graph;
}

absl::StatusOr<v1::Value> Frame::Compute(Client& client) const {
  const Frame m = Materialized(*this);
  if (!m.ok()) return m.status();
  absl::StatusOr<std::vector<ValuePtr>> parts;
  if (m.data()->layer->persisted) {
    parts = client.GatherKeys(m.PartitionKeys());
  } else {
    absl::StatusOr<Job> job = client.Submit(m.ToGraph());
    if (!job.ok()) return job.status();
    parts = client.Gather(job->outputs);
    client.Release(job->id).IgnoreError();
  }
  if (!parts.ok()) return parts.status();
  if (parts->size() == 1) return *(*parts)[0];
  std::vector<TableView> views;
  for (const ValuePtr& p : *parts) {
    absl::StatusOr<TableView> view = TableView::Of(*p);
    if (!view.ok()) return view.status();
    views.push_back(*view);
  }
  return ConcatTables(views);
}

absl::StatusOr<Frame> Frame::Persist(Client& client) const {
  const Frame m = Materialized(*this);
  if (!m.ok()) return m.status();
  if (m.data()->layer->persisted) return m;
  absl::StatusOr<std::shared_ptr<PersistedJob>> held = HoldGraph(client, m.ToGraph(), "partition");
  if (!held.ok()) return held.status();
  auto layer = std::make_shared<ArrayLayer>();
  layer->name = m.data()->name;
  layer->persisted = *std::move(held);
  auto data = std::make_shared<FrameData>(*m.data());
  data->layer = std::move(layer);
  return Frame(std::move(data));
}

absl::StatusOr<int64_t> Frame::ToCsv(Client& client, const std::string& dir) const {
  const Frame m = Materialized(*this);
  if (!m.ok()) return m.status();
  std::error_code ec;
  const std::filesystem::path root = std::filesystem::absolute(dir, ec);
  if (ec) return absl::InvalidArgumentError(absl::StrCat(dir, ": ", ec.message()));
  std::filesystem::create_directories(root, ec);
  if (ec) return absl::InvalidArgumentError(absl::StrCat(root.string(), ": ", ec.message()));
  v1::Graph graph;
  absl::flat_hash_set<const ArrayLayer*> seen;
  if (!m.data()->layer->persisted) CollectTasks(m.data()->layer, seen, graph);
  const std::string name = ArrayName("frame-write", {m.data()->name, root.string()});
  for (size_t i = 0; i < m.num_partitions(); ++i) {
    const std::string path = (root / absl::StrFormat("part-%05d.csv", i)).string();
    const std::string key = PartitionKeyOf(name, i);
    *graph.add_tasks() =
        TaskOver(key, "frame.write_csv", {PartitionKeyOf(m.data()->name, i)}, {StrArg(path)});
    graph.add_outputs(key);
  }
  CullGraph(graph);
  absl::StatusOr<Job> job = client.Submit(graph);
  if (!job.ok()) return job.status();
  absl::StatusOr<std::vector<ValuePtr>> rows = client.Gather(job->outputs);
  client.Release(job->id).IgnoreError();
  if (!rows.ok()) return rows.status();
  int64_t total = 0;
  for (const ValuePtr& r : *rows) total += r->int_();
  return total;
}

}  // namespace brisk
