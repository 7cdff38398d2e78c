// brisk::Bag's reductions, as trees of partial results: Frequencies (partial counts per
// partition, fused with the partition's read and steps, merged split_every at a time, or by hash
// buckets into several partitions), Distinct, TopK, Count and Fold (plugin ops).
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "brisk/bag.h"
#include "client/bag_data.h"

namespace brisk {
namespace {

absl::Status CheckSplitEvery(const char* method, int split_every) {
  if (split_every >= 2) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat("Bag::", method, ": split_every must be at least 2, got ", split_every));
}

absl::Status NeedsText(const char* method, const Bag& bag) {
  if (bag.kind() == BagKind::kText || bag.kind() == BagKind::kCounts) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(
      "Bag::", method, ": needs text records",
      bag.kind() == BagKind::kRecords ? " (Pluck a field first)" : ", not a Count or Fold result"));
}

}  // namespace

Bag Bag::Frequencies(FrequencyOptions options) const {
  if (!ok()) return *this;
  if (absl::Status s = CheckSplitEvery("Frequencies", options.split_every); !s.ok()) {
    return ErrorBag(s);
  }
  if (absl::Status s = NeedsText("Frequencies", *this); !s.ok()) return ErrorBag(s);
  if (options.npartitions < 1 || options.npartitions > 65536) {
    return ErrorBag(absl::InvalidArgumentError(absl::StrCat(
        "Bag::Frequencies: npartitions must be in 1..65536, got ", options.npartitions)));
  }
  const int buckets = options.npartitions;
  const std::string name =
      ArrayName("frequencies", {data_->name, absl::StrCat(options.split_every, "/", buckets)});
  std::vector<v1::Task> tasks;
  std::vector<std::string> partials;
  for (size_t i = 0; i < data_->parts.size(); ++i) {
    v1::Task task;
    task.set_key(absl::StrCat(name, "-p-", i));
    task.set_op("bag.frequencies");
    SetBagInput(*data_, i, task);
    if (buckets > 1) (*task.mutable_kwargs())["buckets"] = IntArg(buckets);
    partials.push_back(task.key());
    tasks.push_back(std::move(task));
  }
  const absl::flat_hash_set<std::string> partial_set(partials.begin(), partials.end());
  std::vector<std::string> keys;
  for (int b = 0; b < buckets; ++b) {
    const std::string bucket_name = buckets > 1 ? absl::StrCat(name, "-b", b) : name;
    const std::string final_key = absl::StrCat(name, "-", b);
    const size_t first_level = tasks.size();
    TreeReduce(
        partials, bucket_name, final_key, options.split_every,
        [&](v1::Task& task, bool last) {
          task.set_op("bag.merge_counts");
          if (last) (*task.mutable_kwargs())["sort"] = BoolArg(true);
        },
        tasks);
    // The first level's tasks read bucket b of each partial's list of buckets.
    if (buckets > 1) {
      for (size_t t = first_level; t < tasks.size(); ++t) {
        bool reads_partials = false;
        for (const v1::Arg& arg : tasks[t].args()) {
          reads_partials = reads_partials || partial_set.contains(arg.ref());
        }
        if (reads_partials) (*tasks[t].mutable_kwargs())["bucket"] = IntArg(b);
      }
    }
    keys.push_back(final_key);
  }
  return MakeBag(BagKind::kCounts, name, std::move(keys), std::move(tasks), BagDeps(*data_));
}

Bag Bag::Distinct(FrequencyOptions options) const {
  Bag counts = Frequencies(options);
  if (!counts.ok()) return counts;
  const std::string name = ArrayName("distinct", {counts.name()});
  std::vector<v1::Task> tasks;
  std::vector<std::string> keys;
  for (int i = 0; i < counts.npartitions(); ++i) {
    v1::Task task;
    task.set_key(absl::StrCat(name, "-", i));
    task.set_op("bag.distinct_values");
    SetBagInput(*counts.data(), static_cast<size_t>(i), task);
    keys.push_back(task.key());
    tasks.push_back(std::move(task));
  }
  return MakeBag(BagKind::kText, name, std::move(keys), std::move(tasks), BagDeps(*counts.data()));
}

Bag Bag::TopK(int k, int split_every) const {
  if (!ok()) return *this;
  if (absl::Status s = CheckSplitEvery("TopK", split_every); !s.ok()) return ErrorBag(s);
  if (absl::Status s = NeedsText("TopK", *this); !s.ok()) return ErrorBag(s);
  if (k < 0) {
    return ErrorBag(absl::InvalidArgumentError(absl::StrCat("Bag::TopK: k = ", k, " < 0")));
  }
  const std::string name = ArrayName("topk", {data_->name, absl::StrCat(k, "/", split_every)});
  std::vector<v1::Task> tasks;
  std::vector<std::string> partials;
  for (size_t i = 0; i < data_->parts.size(); ++i) {
    v1::Task task;
    task.set_key(absl::StrCat(name, "-p-", i));
    task.set_op("bag.topk");
    SetBagInput(*data_, i, task);
    (*task.mutable_kwargs())["k"] = IntArg(k);
    partials.push_back(task.key());
    tasks.push_back(std::move(task));
  }
  TreeReduce(
      partials, name, absl::StrCat(name, "-0"), split_every,
      [&](v1::Task& task, bool) {
        task.set_op("bag.merge_topk");
        (*task.mutable_kwargs())["k"] = IntArg(k);
      },
      tasks);
  return MakeBag(kind(), name, {absl::StrCat(name, "-0")}, std::move(tasks), BagDeps(*data_));
}

Bag Bag::Count(int split_every) const {
  if (!ok()) return *this;
  if (absl::Status s = CheckSplitEvery("Count", split_every); !s.ok()) return ErrorBag(s);
  if (kind() == BagKind::kItem) {
    return ErrorBag(absl::InvalidArgumentError("Bag::Count: of a Count or Fold result"));
  }
  const std::string name = ArrayName("count", {data_->name, absl::StrCat(split_every)});
  std::vector<v1::Task> tasks;
  std::vector<std::string> partials;
  for (size_t i = 0; i < data_->parts.size(); ++i) {
    v1::Task task;
    task.set_key(absl::StrCat(name, "-p-", i));
    task.set_op("bag.count");
    SetBagInput(*data_, i, task);
    partials.push_back(task.key());
    tasks.push_back(std::move(task));
  }
  TreeReduce(
      partials, name, name, split_every, [](v1::Task& task, bool) { task.set_op("bag.sum"); },
      tasks);
  return MakeBag(BagKind::kItem, name, {name}, std::move(tasks), BagDeps(*data_));
}

Bag Bag::Fold(const std::string& partition_op, const std::string& combine_op, int split_every,
              const std::map<std::string, ArgValue>& kwargs) const {
  if (!ok()) return *this;
  if (absl::Status s = CheckSplitEvery("Fold", split_every); !s.ok()) return ErrorBag(s);
  Bag mapped = MapPartitions(partition_op, kwargs, BagKind::kRecords);
  if (!mapped.ok()) return mapped;
  const std::string name =
      ArrayName("fold", {mapped.name(), combine_op, absl::StrCat(split_every)});
  std::vector<v1::Task> tasks;
  TreeReduce(
      mapped.PartitionKeys(), name, name, split_every,
      [&](v1::Task& task, bool) { task.set_op(combine_op); }, tasks);
  return MakeBag(BagKind::kItem, name, {name}, std::move(tasks), BagDeps(*mapped.data()));
}

}  // namespace brisk
