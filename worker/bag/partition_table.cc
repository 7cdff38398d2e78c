#include "worker/bag/partition_table.h"

#include <cstring>
#include <limits>

#include "absl/strings/str_cat.h"

namespace brisk {
namespace {

constexpr uint64_t kAlign = 8;
uint64_t Padded(uint64_t n) { return (n + kAlign - 1) / kAlign * kAlign; }

}  // namespace

absl::StatusOr<v1::Value> MakeStringTable(absl::string_view name, StringColumn&& column,
                                          absl::string_view counts_name,
                                          const std::vector<int64_t>* counts) {
  if (column.data_.size() > static_cast<uint64_t>(std::numeric_limits<int32_t>::max())) {
    return absl::InvalidArgumentError(
        absl::StrCat("a partition of ", column.data_.size(), " bytes of text: the limit is 2 GiB"));
  }
  const uint64_t rows = column.size();
  const uint64_t offsets_bytes = 4 * (rows + 1);
  const uint64_t counts_bytes = counts != nullptr ? 8 * rows : 0;
  std::string body(Padded(column.data_.size()) + Padded(offsets_bytes) + Padded(counts_bytes),
                   '\0');
  v1::Value value;
  v1::Table* table = value.mutable_table();
  table->set_num_rows(rows);
  v1::Column* text = table->add_columns();
  text->set_name(std::string(name));
  text->set_dtype(v1::DTYPE_STRING);
  uint64_t at = 0;
  text->mutable_data()->set_offset(at);
  text->mutable_data()->set_length(column.data_.size());
  if (!column.data_.empty()) std::memcpy(body.data(), column.data_.data(), column.data_.size());
  at += Padded(column.data_.size());
  text->mutable_offsets()->set_offset(at);
  text->mutable_offsets()->set_length(offsets_bytes);
  int32_t* offsets = reinterpret_cast<int32_t*>(body.data() + at);
  for (uint64_t i = 0; i <= rows; ++i) offsets[i] = static_cast<int32_t>(column.offsets_[i]);
  at += Padded(offsets_bytes);
  if (counts != nullptr) {
    v1::Column* c = table->add_columns();
    c->set_name(std::string(counts_name));
    c->set_dtype(v1::DTYPE_INT64);
    c->mutable_data()->set_offset(at);
    c->mutable_data()->set_length(counts_bytes);
    if (rows > 0) std::memcpy(body.data() + at, counts->data(), counts_bytes);
  }
  table->set_body(std::move(body));
  return value;
}

absl::StatusOr<v1::Value> MakeTextPartition(StringColumn&& text) {
  return MakeStringTable(kTextColumn, std::move(text));
}

absl::StatusOr<v1::Value> MakeCountsPartition(
    const std::vector<std::pair<absl::string_view, int64_t>>& counts) {
  StringColumn values;
  std::vector<int64_t> n;
  n.reserve(counts.size());
  for (const auto& [value, count] : counts) {
    values.Add(value);
    n.push_back(count);
  }
  return MakeStringTable(kValueColumn, std::move(values), kCountColumn, &n);
}

bool IsCountsPartition(const v1::Value& value) {
  if (value.kind_case() != v1::Value::kTable) return false;
  for (const v1::Column& c : value.table().columns()) {
    if (c.name() == kCountColumn) return true;
  }
  return false;
}

absl::StatusOr<CountsView> ViewCounts(absl::string_view op, const v1::Value& value) {
  auto fail = [&](absl::string_view what) {
    return absl::InvalidArgumentError(
        absl::StrCat(op.empty() ? "" : absl::StrCat("op \"", op, "\": "),
                     "expected a counts partition (a table of a string column \"value\" and "
                     "an int64 column \"count\"), got ",
                     what));
  };
  if (value.kind_case() != v1::Value::kTable) return fail(KindName(value));
  absl::StatusOr<TableView> table = TableView::Of(value);
  if (!table.ok()) return fail(table.status().message());
  absl::StatusOr<ColumnView> values = table->column(kValueColumn);
  absl::StatusOr<ColumnView> counts = table->column(kCountColumn);
  if (!values.ok() || !counts.ok() || values->dtype() != v1::DTYPE_STRING) {
    return fail("a table of other columns");
  }
  absl::StatusOr<absl::Span<const int64_t>> n = counts->values<int64_t>();
  if (!n.ok()) return fail(n.status().message());
  return CountsView{*values, *n};
}

}  // namespace brisk
