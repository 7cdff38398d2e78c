#include "worker/frame/frame_columns.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace brisk {
namespace {}  // namespace

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
  std::vector<ColumnSlices> slices;
  slices.reserve(columns.size());
  for (const FrameColumn& c : columns) {
    slices.push_back({c.name, c.dtype, c.data, c.offsets, c.validity});
  }
  return AssembleTable(num_rows, slices);
}

}  // namespace brisk
