// Frequencies as a tree of partial counts: bag.frequencies counts one partition's records (into
// one counts partition, or into `buckets` of them by a hash of the value, for a shuffle when the
// distinct values are many), bag.merge_counts adds counts partitions (or bucket `bucket` of
// lists of them) and bag.distinct_values keeps a counts partition's values, sorted.
#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "worker/bag/bag_input.h"
#include "worker/bag/bag_ops.h"
#include "worker/bag/partition_table.h"

namespace brisk {
namespace {

// FNV-1a: the same bucket for a value on every worker and every run.
uint64_t StableHash(absl::string_view s) {
  uint64_t h = 14695981039346656037ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

using Entry = std::pair<absl::string_view, int64_t>;

// The counts as one partition, or as a list of `buckets` partitions; sorted as MoreFrequent when
// `sort`.
template <typename Map>
absl::StatusOr<v1::Value> Finish(const Map& counts, int64_t buckets, bool sort) {
  if (buckets <= 1) {
    std::vector<Entry> entries(counts.begin(), counts.end());
    if (sort) std::sort(entries.begin(), entries.end(), MoreFrequent);
    return MakeCountsPartition(entries);
  }
  std::vector<std::vector<Entry>> parts(static_cast<size_t>(buckets));
  for (const auto& [value, n] : counts) {
    parts[StableHash(value) % static_cast<uint64_t>(buckets)].emplace_back(value, n);
  }
  v1::Value out;
  v1::ValueList* list = out.mutable_list();
  for (auto& entries : parts) {
    if (sort) std::sort(entries.begin(), entries.end(), MoreFrequent);
    absl::StatusOr<v1::Value> part = MakeCountsPartition(entries);
    if (!part.ok()) return part.status();
    *list->add_items() = std::move(*part);
  }
  return out;
}

absl::StatusOr<int64_t> Buckets(const OpArgs& args) {
  absl::StatusOr<int64_t> buckets = args.Int("buckets", 1);
  if (buckets.ok() && (*buckets < 1 || *buckets > 65536)) {
    return args.Error(
        absl::StrCat("keyword argument \"buckets\" must be in 1..65536, got ", *buckets));
  }
  return buckets;
}

absl::StatusOr<v1::Value> OpFrequencies(OpContext&, const OpArgs& args) {
  absl::StatusOr<BagInput> in = BagInput::Of("bag.frequencies", args);
  if (!in.ok()) return in.status();
  absl::StatusOr<int64_t> buckets = Buckets(args);
  if (!buckets.ok()) return buckets.status();
  if (!in->text()) return args.Error("frequencies need text records: pluck a field first");
  absl::flat_hash_map<std::string, int64_t> counts;
  absl::Status s = in->ForEachText([&](absl::string_view r) { ++counts[r]; });
  if (!s.ok()) return s;
  return Finish(counts, *buckets, false);
}

absl::StatusOr<v1::Value> OpMergeCounts(OpContext&, const OpArgs& args) {
  absl::StatusOr<int64_t> bucket = args.Int("bucket", -1);
  absl::StatusOr<bool> sort = args.Bool("sort", false);
  absl::StatusOr<int64_t> buckets = Buckets(args);
  if (!bucket.ok()) return bucket.status();
  if (!sort.ok()) return sort.status();
  if (!buckets.ok()) return buckets.status();
  absl::flat_hash_map<absl::string_view, int64_t> counts;
  for (size_t i = 0; i < args.size(); ++i) {
    const v1::Value* part = &args[i];
    if (*bucket >= 0) {
      if (part->kind_case() != v1::Value::kList || part->list().items_size() <= *bucket) {
        return args.Error(absl::StrCat(args.Describe(i), " must be a list of more than ", *bucket,
                                       " counts partitions (bucket ", *bucket, ")"));
      }
      part = &part->list().items(static_cast<int>(*bucket));
    }
    absl::StatusOr<CountsView> view = ViewCounts("", *part);
    if (!view.ok()) {
      return args.Error(absl::StrCat(args.Describe(i), ": ", view.status().message()));
    }
    for (uint64_t r = 0; r < view->size(); ++r) counts[view->values.String(r)] += view->counts[r];
  }
  return Finish(counts, *buckets, *sort);
}

absl::StatusOr<v1::Value> OpDistinctValues(OpContext&, const OpArgs& args) {
  absl::StatusOr<CountsView> view = ViewCounts("bag.distinct_values", args[0]);
  if (!view.ok()) return view.status();
  std::vector<absl::string_view> values;
  values.reserve(view->size());
  for (uint64_t r = 0; r < view->size(); ++r) values.push_back(view->values.String(r));
  std::sort(values.begin(), values.end());
  StringColumn text;
  for (absl::string_view v : values) text.Add(v);
  return MakeTextPartition(std::move(text));
}

}  // namespace

void RegisterBagCountOps(OpRegistry& registry) {
  OpSignature frequencies{.args = {Param("partition")},
                          .kwargs = {Param("read", Kind::kList), Param("steps", Kind::kList),
                                     Param("buckets", Kind::kInt)},
                          .result = std::nullopt};
  frequencies.args[0].optional = true;
  registry.Register("bag.frequencies", frequencies, OpFrequencies);
  registry.Register("bag.merge_counts",
                    {.kwargs = {Param("bucket", Kind::kInt), Param("sort", Kind::kBool),
                                Param("buckets", Kind::kInt)},
                     .more_args = true},
                    OpMergeCounts);
  registry.Register("bag.distinct_values",
                    {.args = {Param("counts", Kind::kTable)}, .result = Kind::kTable},
                    OpDistinctValues);
}

}  // namespace brisk
