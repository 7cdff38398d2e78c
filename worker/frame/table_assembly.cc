#include "worker/frame/table_assembly.h"

#include <cstring>

namespace brisk {
namespace {

uint64_t Padded(uint64_t n) { return (n + 7) / 8 * 8; }

// Lays out `columns` (ColumnBuffers or ColumnSlices); `release(c)` after each column is copied.
template <typename Column, typename Release>
absl::StatusOr<v1::Value> LayOut(uint64_t num_rows, std::vector<Column>& columns, Release release) {
  uint64_t total = 0;
  for (const Column& c : columns) {
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
  for (Column& c : columns) {
    v1::Column* column = table->add_columns();
    column->set_name(std::string(c.name));
    column->set_dtype(c.dtype);
    place(c.data, column->mutable_data());
    if (c.dtype == v1::DTYPE_STRING) place(c.offsets, column->mutable_offsets());
    if (!c.validity.empty()) place(c.validity, column->mutable_validity());
    release(c);
  }
  table->set_body(std::move(body));
  if (absl::Status s = CheckTable(*table); !s.ok()) return s;
  return value;
}

}  // namespace

absl::StatusOr<v1::Value> AssembleTable(uint64_t num_rows, std::vector<ColumnBuffers> columns) {
  return LayOut(num_rows, columns, [](ColumnBuffers& c) { c = ColumnBuffers(); });
}

absl::StatusOr<v1::Value> AssembleTable(uint64_t num_rows,
                                        const std::vector<ColumnSlices>& columns) {
  std::vector<ColumnSlices> copy = columns;
  return LayOut(num_rows, copy, [](ColumnSlices&) {});
}

std::string ValidityBits(const std::vector<uint8_t>& valid) {
  bool any_null = false;
  for (uint8_t v : valid) {
    if (!v) {
      any_null = true;
      break;
    }
  }
  if (!any_null) return {};
  std::string bits((valid.size() + 7) / 8, '\0');
  for (size_t i = 0; i < valid.size(); ++i) {
    if (valid[i]) bits[i / 8] = static_cast<char>(bits[i / 8] | (1 << (i % 8)));
  }
  return bits;
}

}  // namespace brisk
