// Typed values in C++: read-only views over the arrays and tables in a brisk.v1.Value (no copy of
// their buffers), and builders that make them. Every view is made by a checked factory: a buffer
// whose byte count does not match its dtype and shape, an offset past the end, a misaligned buffer
// or a bad dtype is an error naming what is wrong, never a read out of bounds.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "brisk/v1/value.pb.h"

namespace brisk {

using DType = v1::DType;

// Bytes per element (1 for BOOL); 0 for DTYPE_STRING and DTYPE_UNSPECIFIED.
size_t ItemSize(DType dtype);
// NumPy's name: "bool", "int8" ... "uint64", "float32", "float64"; "string" for DTYPE_STRING.
absl::string_view DTypeName(DType dtype);
// The dtype with that NumPy name (also "float" = float64, "int" = int64, "str" = string);
// InvalidArgument naming the unknown name.
absl::StatusOr<DType> ParseDType(absl::string_view name);
// The name of a Value's kind: "null", "bool", "int", "float", "str", "bytes", "list", "map",
// "ndarray", "table".
absl::string_view KindName(const v1::Value& value);

// The number of elements of an array of that shape (1 for [], 0 when any dimension is 0);
// InvalidArgument when the product does not fit in 64 bits.
absl::StatusOr<uint64_t> NumElements(absl::Span<const uint64_t> shape);
// The byte count of an array of that dtype and shape; InvalidArgument for STRING, UNSPECIFIED or
// an unknown dtype, and when the count does not fit in 64 bits.
absl::StatusOr<uint64_t> ArrayByteCount(DType dtype, absl::Span<const uint64_t> shape);

// The dtype that stores T: bool, int8_t ... uint64_t, float, double.
template <typename T>
constexpr DType DTypeOf() {
  if constexpr (std::is_same_v<T, bool>) return v1::DTYPE_BOOL;
  if constexpr (std::is_same_v<T, int8_t>) return v1::DTYPE_INT8;
  if constexpr (std::is_same_v<T, int16_t>) return v1::DTYPE_INT16;
  if constexpr (std::is_same_v<T, int32_t>) return v1::DTYPE_INT32;
  if constexpr (std::is_same_v<T, int64_t>) return v1::DTYPE_INT64;
  if constexpr (std::is_same_v<T, uint8_t>) return v1::DTYPE_UINT8;
  if constexpr (std::is_same_v<T, uint16_t>) return v1::DTYPE_UINT16;
  if constexpr (std::is_same_v<T, uint32_t>) return v1::DTYPE_UINT32;
  if constexpr (std::is_same_v<T, uint64_t>) return v1::DTYPE_UINT64;
  if constexpr (std::is_same_v<T, float>) return v1::DTYPE_FLOAT32;
  if constexpr (std::is_same_v<T, double>) return v1::DTYPE_FLOAT64;
  return v1::DTYPE_UNSPECIFIED;
}

// Checks an array's or a table's buffers (sizes, offsets, alignment in memory, dtypes, bool bytes
// 0 or 1, unique non-empty column names); OK for every other kind, recursively through lists and
// maps. A value that passes can be viewed (ArrayView, TableView) without another error.
absl::Status CheckValue(const v1::Value& value);
absl::Status CheckArray(const v1::NDArray& array);
absl::Status CheckTable(const v1::Table& table);

// A read-only view of an n-dimensional array in C order. Cheap to copy; valid while the Value
// it views lives and is not changed.
class ArrayView {
 public:
  // InvalidArgument when `value` is not an ndarray ("expected ndarray, got str") or its buffer
  // does not match its dtype and shape.
  static absl::StatusOr<ArrayView> Of(const v1::Value& value);
  static absl::StatusOr<ArrayView> Of(const v1::NDArray& array);

  DType dtype() const { return dtype_; }
  absl::Span<const uint64_t> shape() const { return shape_; }
  size_t ndim() const { return shape_.size(); }
  // Number of elements: the product of the shape (1 for a 0-d array).
  uint64_t size() const { return size_; }
  // The raw little-endian buffer: size() * ItemSize(dtype()) bytes.
  absl::string_view bytes() const { return bytes_; }

  // The elements as T; InvalidArgument when T does not store dtype() ("float64 array read as
  // int32").
  template <typename T>
  absl::StatusOr<absl::Span<const T>> values() const {
    if (DTypeOf<T>() != dtype_) {
      return absl::InvalidArgumentError(
          absl::StrCat(DTypeName(dtype_), " array read as ", DTypeName(DTypeOf<T>())));
    }
    return absl::Span<const T>(reinterpret_cast<const T*>(bytes_.data()), size_);
  }
  // Element i (flat, C order) converted to double, any numeric dtype; i < size().
  double AsDouble(uint64_t i) const;

 private:
  ArrayView(DType dtype, absl::Span<const uint64_t> shape, uint64_t size, absl::string_view bytes)
      : dtype_(dtype), shape_(shape), size_(size), bytes_(bytes) {}
  DType dtype_;
  absl::Span<const uint64_t> shape_;
  uint64_t size_;
  absl::string_view bytes_;
};

// A read-only view of one table column.
class ColumnView {
 public:
  const std::string& name() const { return *name_; }
  DType dtype() const { return dtype_; }
  uint64_t size() const { return rows_; }
  // True when the column has a validity buffer (TableBuilder stores one only when a row is null).
  bool has_nulls() const { return !validity_.empty(); }
  // True when row i has no value; i < size().
  bool IsNull(uint64_t i) const {
    return !validity_.empty() && ((static_cast<uint8_t>(validity_[i / 8]) >> (i % 8)) & 1) == 0;
  }
  uint64_t null_count() const;
  // Fixed-width columns: the values as T (a null row's value is unspecified); InvalidArgument
  // when T does not store dtype().
  template <typename T>
  absl::StatusOr<absl::Span<const T>> values() const {
    if (DTypeOf<T>() != dtype_) {
      return absl::InvalidArgumentError(absl::StrCat(
          "column \"", *name_, "\" of ", DTypeName(dtype_), " read as ", DTypeName(DTypeOf<T>())));
    }
    return absl::Span<const T>(reinterpret_cast<const T*>(data_.data()), rows_);
  }
  // DTYPE_STRING columns: row i's text (TableBuilder leaves a null row's text empty); i < size().
  absl::string_view String(uint64_t i) const {
    int32_t begin, end;
    std::memcpy(&begin, offsets_.data() + 4 * i, 4);
    std::memcpy(&end, offsets_.data() + 4 * (i + 1), 4);
    return data_.substr(static_cast<size_t>(begin), static_cast<size_t>(end - begin));
  }
  // Row i of a numeric column as a double; i < size().
  double AsDouble(uint64_t i) const;
  // The raw buffers (offsets and validity empty when the column has none).
  absl::string_view data() const { return data_; }
  absl::string_view offsets() const { return offsets_; }
  absl::string_view validity() const { return validity_; }

 private:
  friend class TableView;
  ColumnView() = default;
  const std::string* name_ = nullptr;
  DType dtype_ = v1::DTYPE_UNSPECIFIED;
  uint64_t rows_ = 0;
  absl::string_view data_, offsets_, validity_;
};

// A read-only view of a table; valid while the Value it views lives and is not changed.
class TableView {
 public:
  // InvalidArgument when `value` is not a table or any column's buffers are malformed.
  static absl::StatusOr<TableView> Of(const v1::Value& value);
  static absl::StatusOr<TableView> Of(const v1::Table& table);

  uint64_t num_rows() const { return rows_; }
  size_t num_columns() const { return columns_.size(); }
  const ColumnView& column(size_t i) const { return columns_[i]; }
  // NotFound naming the column (and the table's columns) when there is none of that name.
  absl::StatusOr<ColumnView> column(absl::string_view name) const;
  const std::vector<ColumnView>& columns() const { return columns_; }

 private:
  TableView() = default;
  uint64_t rows_ = 0;
  std::vector<ColumnView> columns_;
};

// Makes an array value: its buffer is allocated once (zeroed), filled through values(), and moved
// into the Value by Finish (no copy). The shape must be one ArrayByteCount accepts: check an
// untrusted shape with it first.
template <typename T>
class ArrayBuilder {
 public:
  explicit ArrayBuilder(std::vector<uint64_t> shape) : shape_(std::move(shape)) {
    uint64_t n = 1;
    for (uint64_t d : shape_) n *= d;
    size_ = n;
    data_.resize(n * sizeof(T));
  }
  absl::Span<T> values() { return absl::Span<T>(reinterpret_cast<T*>(data_.data()), size_); }
  v1::Value Finish() && {
    v1::Value value;
    v1::NDArray* array = value.mutable_ndarray();
    array->set_dtype(DTypeOf<T>());
    for (uint64_t d : shape_) array->add_shape(d);
    array->set_data(std::move(data_));
    return value;
  }

 private:
  std::vector<uint64_t> shape_;
  uint64_t size_ = 0;
  std::string data_;
};

// An array value holding a copy of `values` with the given shape (product(shape) must equal
// values.size(); InvalidArgument otherwise).
template <typename T>
absl::StatusOr<v1::Value> MakeArray(std::vector<uint64_t> shape, absl::Span<const T> values) {
  absl::StatusOr<uint64_t> count = NumElements(shape);
  if (!count.ok()) return count.status();
  const uint64_t n = *count;
  if (n != values.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("shape holds ", n, " elements, ", values.size(), " given"));
  }
  ArrayBuilder<T> builder(std::move(shape));
  if (n > 0) std::memcpy(builder.values().data(), values.data(), n * sizeof(T));
  return std::move(builder).Finish();
}

// Makes a table value column by column; the body is laid out once, in Finish.
class TableBuilder {
 public:
  // A fixed-width column; `valid` (empty: no nulls) has one entry per row, false for a null.
  template <typename T>
  TableBuilder& Add(std::string name, absl::Span<const T> values, std::vector<bool> valid = {}) {
    Pending& p = Start(std::move(name), DTypeOf<T>(), values.size(), std::move(valid));
    p.data.assign(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(T));
    return *this;
  }
  // A string column; std::nullopt is a null row.
  TableBuilder& AddStrings(std::string name, const std::vector<std::optional<std::string>>& values);
  // The table, its buffers laid out in one body, each at a multiple of 8 bytes. InvalidArgument
  // when the columns differ in length, a name is empty or taken twice, a column's `valid` has
  // another length than its values, or a string column exceeds 2 GiB of text.
  absl::StatusOr<v1::Value> Finish() &&;

 private:
  struct Pending {
    std::string name;
    DType dtype;
    uint64_t rows;
    std::vector<bool> valid;
    std::string data, offsets;
  };
  Pending& Start(std::string name, DType dtype, uint64_t rows, std::vector<bool> valid) {
    columns_.push_back({std::move(name), dtype, rows, std::move(valid), {}, {}});
    return columns_.back();
  }
  std::vector<Pending> columns_;
  std::string error_;
};

}  // namespace brisk
