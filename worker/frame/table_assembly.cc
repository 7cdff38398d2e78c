#include "worker/frame/table_assembly.h"

#include <cstring>

namespace brisk {
namespace {

uint64_t Padded(uint64_t n) { return (n + 7) / 8 * 8; }

}  // namespace

absl::StatusOr<v1::Value> AssembleTable(uint64_t num_rows, std::vector<ColumnBuffers> columns) {
  uint64_t total = 0;
  for (const ColumnBuffers& c : columns) {
    total += Padded(c.data.size()) + Padded(c.offsets.size()) + Padded(c.validity.size());
  }
  v1::Value value;
  v1::Table* table = value.mutable_table();
  table->set_num_rows(num_rows);
  std::string body(total, '\0');
  uint64_t at = 0;
  auto place = [&](const std::string& bytes, v1::BufferSlice* slice) {
    slice->set_offset(at);
    slice->set_length(bytes.size());
    if (!bytes.empty()) std::memcpy(body.data() + at, bytes.data(), bytes.size());
    at += Padded(bytes.size());
  };
  for (ColumnBuffers& c : columns) {
    v1::Column* column = table->add_columns();
    column->set_name(std::move(c.name));
    column->set_dtype(c.dtype);
    place(c.data, column->mutable_data());
    c.data = std::string();
    if (c.dtype == v1::DTYPE_STRING) place(c.offsets, column->mutable_offsets());
    if (!c.validity.empty()) place(c.validity, column->mutable_validity());
  }
  table->set_body(std::move(body));
  if (absl::Status s = CheckTable(*table); !s.ok()) return s;
  return value;
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
