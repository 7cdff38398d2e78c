#include "worker/frame/frame_columns.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace brisk {
namespace {

uint64_t Padded(uint64_t n) { return (n + 7) / 8 * 8; }

}  // namespace

FrameColumn FrameColumn::Owning(ColumnBuffers buffers) {
  auto owned = std::make_shared<const ColumnBuffers>(std::move(buffers));
  FrameColumn c;
  c.name = owned->name;
  c.dtype = owned->dtype;
  c.data = owned->data;
  c.offsets = owned->offsets;
  c.validity = owned->validity;
  c.owned = std::move(owned);
  return c;
}

FrameColumns FrameColumns::Of(const TableView& table) {
  FrameColumns out;
  out.num_rows = table.num_rows();
  out.columns.reserve(table.num_columns());
  for (const ColumnView& v : table.columns()) {
    FrameColumn c;
    c.name = v.name();
    c.dtype = v.dtype();
    c.data = v.data();
    c.offsets = v.offsets();
    c.validity = v.validity();
    out.columns.push_back(std::move(c));
  }
  return out;
}

const FrameColumn* FrameColumns::Find(absl::string_view name) const {
  for (const FrameColumn& c : columns) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

absl::Status FrameColumns::NoColumn(absl::string_view name) const {
  std::vector<absl::string_view> names;
  for (const FrameColumn& c : columns) names.push_back(c.name);
  return absl::NotFoundError(
      absl::StrCat("no column \"", name,
                   "\" (columns: ", names.empty() ? "none" : absl::StrJoin(names, ", "), ")"));
}

absl::StatusOr<v1::Value> FrameColumns::ToTable() const {
  uint64_t total = 0;
  for (const FrameColumn& c : columns) {
    total += Padded(c.data.size()) + Padded(c.offsets.size()) + Padded(c.validity.size());
  }
  v1::Value value;
  v1::Table* table = value.mutable_table();
  table->set_num_rows(num_rows);
  std::string body(total, '\0');
  uint64_t at = 0;
  auto place = [&](absl::string_view bytes, v1::BufferSlice* slice) {
    slice->set_offset(at);
    slice->set_length(bytes.size());
    if (!bytes.empty()) std::memcpy(body.data() + at, bytes.data(), bytes.size());
    at += Padded(bytes.size());
  };
  for (const FrameColumn& c : columns) {
    v1::Column* column = table->add_columns();
    column->set_name(c.name);
    column->set_dtype(c.dtype);
    place(c.data, column->mutable_data());
    if (c.dtype == v1::DTYPE_STRING) place(c.offsets, column->mutable_offsets());
    if (!c.validity.empty()) place(c.validity, column->mutable_validity());
  }
  table->set_body(std::move(body));
  if (absl::Status s = CheckTable(*table); !s.ok()) return s;
  return value;
}

}  // namespace brisk
