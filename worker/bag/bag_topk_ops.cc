// The k largest records of a partition (bag.topk) and of several partial results (bag.merge_topk):
// of a counts partition the k most frequent values (ties: the smaller value first), of text
// the k largest values in byte order (duplicates kept, as dask's topk keeps them).
#include <algorithm>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "worker/bag/bag_input.h"
#include "worker/bag/bag_ops.h"
#include "worker/bag/partition_table.h"

namespace brisk {
namespace {

using Entry = std::pair<absl::string_view, int64_t>;

absl::StatusOr<int64_t> K(const OpArgs& args) {
  absl::StatusOr<int64_t> k = args.Int("k", -1);
  if (k.ok() && *k < 0) return args.Error("keyword argument \"k\" (a count >= 0) is required");
  return k;
}

absl::StatusOr<v1::Value> TopCounts(std::vector<Entry>& entries, int64_t k) {
  const size_t n = std::min(entries.size(), static_cast<size_t>(k));
  std::partial_sort(entries.begin(), entries.begin() + n, entries.end(), MoreFrequent);
  entries.resize(n);
  return MakeCountsPartition(entries);
}

absl::StatusOr<v1::Value> TopText(std::vector<absl::string_view>& values, int64_t k) {
  const size_t n = std::min(values.size(), static_cast<size_t>(k));
  std::partial_sort(values.begin(), values.begin() + n, values.end(),
                    std::greater<absl::string_view>());
  StringColumn text;
  for (size_t i = 0; i < n; ++i) text.Add(values[i]);
  return MakeTextPartition(std::move(text));
}

absl::Status AddCounts(absl::string_view op, const v1::Value& part, std::vector<Entry>& entries) {
  absl::StatusOr<CountsView> view = ViewCounts(op, part);
  if (!view.ok()) return view.status();
  for (uint64_t r = 0; r < view->size(); ++r) {
    entries.emplace_back(view->values.String(r), view->counts[r]);
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::Value> OpTopk(OpContext&, const OpArgs& args) {
  constexpr absl::string_view kOp = "bag.topk";
  absl::StatusOr<int64_t> k = K(args);
  if (!k.ok()) return k.status();
  if (args.size() > 0 && IsCountsPartition(args[0]) && args.Kwarg("steps") == nullptr) {
    std::vector<Entry> entries;
    if (absl::Status s = AddCounts(kOp, args[0], entries); !s.ok()) return s;
    return TopCounts(entries, *k);
  }
  absl::StatusOr<BagInput> in = BagInput::Of(kOp, args);
  if (!in.ok()) return in.status();
  if (!in->text()) return args.Error("topk needs text records or counts: pluck a field first");
  // Records are copied out (a step's record lives only during its call), then the k largest kept.
  std::vector<absl::string_view> views;
  std::string all;
  std::vector<std::pair<size_t, size_t>> spans;
  absl::Status s = in->ForEachText([&](absl::string_view r) {
    spans.emplace_back(all.size(), r.size());
    all.append(r.data(), r.size());
  });
  if (!s.ok()) return s;
  views.reserve(spans.size());
  for (const auto& [at, n] : spans) views.push_back(absl::string_view(all).substr(at, n));
  return TopText(views, *k);
}

absl::StatusOr<v1::Value> OpMergeTopk(OpContext&, const OpArgs& args) {
  constexpr absl::string_view kOp = "bag.merge_topk";
  absl::StatusOr<int64_t> k = K(args);
  if (!k.ok()) return k.status();
  if (args.size() == 0) return args.Error("needs at least one partial result");
  if (IsCountsPartition(args[0])) {
    std::vector<Entry> entries;
    for (size_t i = 0; i < args.size(); ++i) {
      if (absl::Status s = AddCounts(kOp, args[i], entries); !s.ok()) return s;
    }
    return TopCounts(entries, *k);
  }
  std::vector<absl::string_view> values;
  for (size_t i = 0; i < args.size(); ++i) {
    absl::StatusOr<TableView> table = TableView::Of(args[i]);
    if (!table.ok()) return table.status();
    absl::StatusOr<ColumnView> text = table->column(kTextColumn);
    if (!text.ok()) return text.status();
    for (uint64_t r = 0; r < text->size(); ++r) values.push_back(text->String(r));
  }
  return TopText(values, *k);
}

}  // namespace

void RegisterBagTopkOps(OpRegistry& registry) {
  OpSignature topk{
      .args = {Param("partition")},
      .kwargs = {Param("read", Kind::kList), Param("steps", Kind::kList), Param("k", Kind::kInt)},
      .result = Kind::kTable};
  topk.args[0].optional = true;
  registry.Register("bag.topk", topk, OpTopk);
  registry.Register("bag.merge_topk",
                    {.kwargs = {Param("k", Kind::kInt)}, .more_args = true, .result = Kind::kTable},
                    OpMergeTopk);
}

}  // namespace brisk
