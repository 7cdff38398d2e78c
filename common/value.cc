#include "brisk/value.h"

#include <bit>
#include <limits>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_join.h"

namespace brisk {

// The buffers are read in place with the host's byte order, which must be theirs.
static_assert(std::endian::native == std::endian::little,
              "typed values assume a little-endian host");

namespace {

constexpr uint64_t kBodyAlignment = 8;

absl::Status Invalid(absl::string_view what) { return absl::InvalidArgumentError(what); }

// a * b, or nullopt when it does not fit in 64 bits.
std::optional<uint64_t> CheckedMul(uint64_t a, uint64_t b) {
  uint64_t product;
  if (__builtin_mul_overflow(a, b, &product)) return std::nullopt;
  return product;
}

bool Aligned(const void* p, uint64_t alignment) {
  return reinterpret_cast<uintptr_t>(p) % alignment == 0;
}

// A dtype an array or a column may have: a known one, not UNSPECIFIED, not STRING unless allowed.
absl::Status CheckDType(DType dtype, bool string_ok) {
  if (!v1::DType_IsValid(dtype) || dtype == v1::DTYPE_UNSPECIFIED) {
    return Invalid(absl::StrCat("dtype ", static_cast<int>(dtype), " is not a known dtype"));
  }
  if (dtype == v1::DTYPE_STRING && !string_ok) {
    return Invalid("an ndarray cannot hold dtype string (only table columns can)");
  }
  return absl::OkStatus();
}

// Every byte of a bool buffer is 0 or 1 (so reading it as bool is defined).
absl::Status CheckBools(absl::string_view bytes) {
  for (size_t i = 0; i < bytes.size(); ++i) {
    if (static_cast<uint8_t>(bytes[i]) > 1) {
      return Invalid(absl::StrCat("bool element ", i, " is ", static_cast<int>(bytes[i] & 0xff),
                                  ", not 0 or 1"));
    }
  }
  return absl::OkStatus();
}

double ElementAsDouble(DType dtype, const char* p) {
  auto get = [p]<typename T>(T) {
    T x;
    std::memcpy(&x, p, sizeof(T));
    return static_cast<double>(x);
  };
  switch (dtype) {
    case v1::DTYPE_BOOL:
      return *p != 0 ? 1.0 : 0.0;
    case v1::DTYPE_INT8:
      return get(int8_t{});
    case v1::DTYPE_INT16:
      return get(int16_t{});
    case v1::DTYPE_INT32:
      return get(int32_t{});
    case v1::DTYPE_INT64:
      return get(int64_t{});
    case v1::DTYPE_UINT8:
      return get(uint8_t{});
    case v1::DTYPE_UINT16:
      return get(uint16_t{});
    case v1::DTYPE_UINT32:
      return get(uint32_t{});
    case v1::DTYPE_UINT64:
      return get(uint64_t{});
    case v1::DTYPE_FLOAT32:
      return get(float{});
    case v1::DTYPE_FLOAT64:
      return get(double{});
    default:
      return std::numeric_limits<double>::quiet_NaN();
  }
}

// The bytes of `slice` within `body`, or an error naming the column and the buffer; the slice
// must lie inside the body and start at a multiple of 8.
absl::StatusOr<absl::string_view> SliceOf(absl::string_view body, const v1::BufferSlice& slice,
                                          absl::string_view column, absl::string_view buffer) {
  if (slice.offset() > body.size() || slice.length() > body.size() - slice.offset()) {
    return Invalid(absl::StrCat("column \"", column, "\": ", buffer, " bytes [", slice.offset(),
                                ", +", slice.length(), ") lie outside the table's body of ",
                                body.size(), " bytes"));
  }
  if (slice.offset() % kBodyAlignment != 0) {
    return Invalid(absl::StrCat("column \"", column, "\": ", buffer, " starts at offset ",
                                slice.offset(), ", not a multiple of ", kBodyAlignment));
  }
  return body.substr(slice.offset(), slice.length());
}

// A column's buffers checked against `rows`, or an error naming the column.
absl::Status CheckColumn(const v1::Column& column, uint64_t rows, absl::string_view body,
                         absl::string_view* data, absl::string_view* offsets,
                         absl::string_view* validity) {
  const std::string& name = column.name();
  if (absl::Status s = CheckDType(column.dtype(), /*string_ok=*/true); !s.ok()) {
    return Invalid(absl::StrCat("column \"", name, "\": ", s.message()));
  }
  absl::StatusOr<absl::string_view> d = SliceOf(body, column.data(), name, "data");
  if (!d.ok()) return d.status();
  absl::StatusOr<absl::string_view> o = SliceOf(body, column.offsets(), name, "offsets");
  if (!o.ok()) return o.status();
  absl::StatusOr<absl::string_view> v = SliceOf(body, column.validity(), name, "validity");
  if (!v.ok()) return v.status();
  *data = *d;
  *offsets = *o;
  *validity = *v;

  const uint64_t validity_bytes = rows / 8 + (rows % 8 != 0 ? 1 : 0);
  if (!validity->empty() && validity->size() != validity_bytes) {
    return Invalid(absl::StrCat("column \"", name, "\": validity holds ", validity->size(),
                                " bytes, ", rows, " rows need ", validity_bytes, " (or none)"));
  }

  if (column.dtype() != v1::DTYPE_STRING) {
    if (!offsets->empty()) {
      return Invalid(absl::StrCat("column \"", name, "\": only string columns have offsets, this ",
                                  DTypeName(column.dtype()), " one has ", offsets->size(),
                                  " bytes of them"));
    }
    std::optional<uint64_t> need = CheckedMul(rows, ItemSize(column.dtype()));
    if (!need.has_value() || *need != data->size()) {
      return Invalid(
          absl::StrCat("column \"", name, "\": data holds ", data->size(), " bytes, ", rows,
                       " rows of ", DTypeName(column.dtype()), " need ",
                       need.has_value() ? absl::StrCat(*need) : std::string("more than 2^64")));
    }
    if (column.dtype() == v1::DTYPE_BOOL) {
      if (absl::Status s = CheckBools(*data); !s.ok()) {
        return Invalid(absl::StrCat("column \"", name, "\": ", s.message()));
      }
    }
    return absl::OkStatus();
  }

  // A string column: rows + 1 int32 offsets, the first 0, never decreasing, the last the
  // data's length (which therefore fits in an int32).
  std::optional<uint64_t> need =
      rows == std::numeric_limits<uint64_t>::max() ? std::nullopt : CheckedMul(rows + 1, 4);
  if (!need.has_value() || *need != offsets->size()) {
    return Invalid(
        absl::StrCat("column \"", name, "\": offsets hold ", offsets->size(), " bytes, ", rows,
                     " rows of string need ",
                     need.has_value() ? absl::StrCat(*need) : std::string("more than 2^64")));
  }
  int32_t previous = 0;
  for (uint64_t i = 0; i <= rows; ++i) {
    int32_t at;
    std::memcpy(&at, offsets->data() + 4 * i, 4);
    if (i == 0 && at != 0) {
      return Invalid(absl::StrCat("column \"", name, "\": the first offset is ", at, ", not 0"));
    }
    if (at < previous) {
      return Invalid(absl::StrCat("column \"", name, "\": offset ", i, " (", at,
                                  ") is less than the one before it (", previous, ")"));
    }
    previous = at;
  }
  if (static_cast<uint64_t>(previous) != data->size()) {
    return Invalid(absl::StrCat("column \"", name, "\": the last offset is ", previous,
                                ", the data holds ", data->size(), " bytes"));
  }
  return absl::OkStatus();
}

// Checks `table`, calling on_column(column, data, offsets, validity) for each of its columns.
template <typename OnColumn>
absl::Status CheckTableColumns(const v1::Table& table, OnColumn on_column) {
  const std::string& body = table.body();
  if (!body.empty() && !Aligned(body.data(), kBodyAlignment)) {
    return Invalid(absl::StrCat("the table's body is not aligned to ", kBodyAlignment,
                                " bytes in memory, so its columns cannot be read in place"));
  }
  absl::flat_hash_set<absl::string_view> names;
  names.reserve(table.columns_size());
  for (int i = 0; i < table.columns_size(); ++i) {
    const v1::Column& column = table.columns(i);
    if (column.name().empty()) return Invalid(absl::StrCat("column ", i, " has no name"));
    if (!names.insert(column.name()).second) {
      return Invalid(absl::StrCat("two columns are named \"", column.name(), "\""));
    }
    absl::string_view data, offsets, validity;
    if (absl::Status s = CheckColumn(column, table.num_rows(), body, &data, &offsets, &validity);
        !s.ok()) {
      return s;
    }
    on_column(column, data, offsets, validity);
  }
  return absl::OkStatus();
}

}  // namespace

size_t ItemSize(DType dtype) {
  switch (dtype) {
    case v1::DTYPE_BOOL:
    case v1::DTYPE_INT8:
    case v1::DTYPE_UINT8:
      return 1;
    case v1::DTYPE_INT16:
    case v1::DTYPE_UINT16:
      return 2;
    case v1::DTYPE_INT32:
    case v1::DTYPE_UINT32:
    case v1::DTYPE_FLOAT32:
      return 4;
    case v1::DTYPE_INT64:
    case v1::DTYPE_UINT64:
    case v1::DTYPE_FLOAT64:
      return 8;
    default:
      return 0;
  }
}

absl::string_view DTypeName(DType dtype) {
  switch (dtype) {
    case v1::DTYPE_BOOL:
      return "bool";
    case v1::DTYPE_INT8:
      return "int8";
    case v1::DTYPE_INT16:
      return "int16";
    case v1::DTYPE_INT32:
      return "int32";
    case v1::DTYPE_INT64:
      return "int64";
    case v1::DTYPE_UINT8:
      return "uint8";
    case v1::DTYPE_UINT16:
      return "uint16";
    case v1::DTYPE_UINT32:
      return "uint32";
    case v1::DTYPE_UINT64:
      return "uint64";
    case v1::DTYPE_FLOAT32:
      return "float32";
    case v1::DTYPE_FLOAT64:
      return "float64";
    case v1::DTYPE_STRING:
      return "string";
    default:
      return "unspecified";
  }
}

absl::StatusOr<DType> ParseDType(absl::string_view name) {
  static constexpr DType kAll[] = {v1::DTYPE_BOOL,    v1::DTYPE_INT8,    v1::DTYPE_INT16,
                                   v1::DTYPE_INT32,   v1::DTYPE_INT64,   v1::DTYPE_UINT8,
                                   v1::DTYPE_UINT16,  v1::DTYPE_UINT32,  v1::DTYPE_UINT64,
                                   v1::DTYPE_FLOAT32, v1::DTYPE_FLOAT64, v1::DTYPE_STRING};
  for (DType dtype : kAll) {
    if (DTypeName(dtype) == name) return dtype;
  }
  if (name == "float") return v1::DTYPE_FLOAT64;
  if (name == "int") return v1::DTYPE_INT64;
  if (name == "str") return v1::DTYPE_STRING;
  return absl::InvalidArgumentError(absl::StrCat(
      "unknown dtype \"", name,
      "\" (known: bool, int8, int16, int32, int64, uint8, uint16, uint32, uint64, float32, "
      "float64, string)"));
}

absl::string_view KindName(const v1::Value& value) {
  switch (value.kind_case()) {
    case v1::Value::KIND_NOT_SET:
      return "null";
    case v1::Value::kBool:
      return "bool";
    case v1::Value::kInt:
      return "int";
    case v1::Value::kFloat:
      return "float";
    case v1::Value::kStr:
      return "str";
    case v1::Value::kBytes:
      return "bytes";
    case v1::Value::kList:
      return "list";
    case v1::Value::kMap:
      return "map";
    case v1::Value::kNdarray:
      return "ndarray";
    case v1::Value::kTable:
      return "table";
  }
  return "unknown";
}

absl::StatusOr<uint64_t> NumElements(absl::Span<const uint64_t> shape) {
  uint64_t n = 1;
  for (uint64_t d : shape) {
    if (d == 0) return 0;
  }
  for (uint64_t d : shape) {
    std::optional<uint64_t> next = CheckedMul(n, d);
    if (!next.has_value()) {
      return absl::InvalidArgumentError(
          absl::StrCat("shape [", absl::StrJoin(shape, ", "), "] holds more than 2^64 elements"));
    }
    n = *next;
  }
  return n;
}

absl::StatusOr<uint64_t> ArrayByteCount(DType dtype, absl::Span<const uint64_t> shape) {
  if (absl::Status s = CheckDType(dtype, /*string_ok=*/false); !s.ok()) return s;
  absl::StatusOr<uint64_t> n = NumElements(shape);
  if (!n.ok()) return n.status();
  std::optional<uint64_t> bytes = CheckedMul(*n, ItemSize(dtype));
  if (!bytes.has_value()) {
    return absl::InvalidArgumentError(absl::StrCat("shape [", absl::StrJoin(shape, ", "), "] of ",
                                                   DTypeName(dtype),
                                                   " needs more than 2^64 bytes"));
  }
  return *bytes;
}

absl::Status CheckArray(const v1::NDArray& array) { return ArrayView::Of(array).status(); }

absl::Status CheckTable(const v1::Table& table) {
  return CheckTableColumns(
      table, [](const v1::Column&, absl::string_view, absl::string_view, absl::string_view) {});
}

absl::Status CheckValue(const v1::Value& value) {
  switch (value.kind_case()) {
    case v1::Value::kNdarray:
      return CheckArray(value.ndarray());
    case v1::Value::kTable:
      return CheckTable(value.table());
    case v1::Value::kList:
      for (int i = 0; i < value.list().items_size(); ++i) {
        if (absl::Status s = CheckValue(value.list().items(i)); !s.ok()) {
          return absl::Status(s.code(), absl::StrCat("item ", i, ": ", s.message()));
        }
      }
      return absl::OkStatus();
    case v1::Value::kMap:
      for (const auto& [key, item] : value.map().entries()) {
        if (absl::Status s = CheckValue(item); !s.ok()) {
          return absl::Status(s.code(), absl::StrCat("entry \"", key, "\": ", s.message()));
        }
      }
      return absl::OkStatus();
    default:
      return absl::OkStatus();
  }
}

absl::StatusOr<ArrayView> ArrayView::Of(const v1::Value& value) {
  if (value.kind_case() != v1::Value::kNdarray) {
    return absl::InvalidArgumentError(absl::StrCat("expected ndarray, got ", KindName(value)));
  }
  return Of(value.ndarray());
}

absl::StatusOr<ArrayView> ArrayView::Of(const v1::NDArray& array) {
  absl::Span<const uint64_t> shape(array.shape().data(), array.shape_size());
  absl::StatusOr<uint64_t> need = ArrayByteCount(array.dtype(), shape);
  if (!need.ok()) return need.status();
  const std::string& data = array.data();
  if (data.size() != *need) {
    return absl::InvalidArgumentError(
        absl::StrCat("ndarray holds ", data.size(), " bytes, its dtype and shape need ", *need));
  }
  if (!data.empty() && !Aligned(data.data(), ItemSize(array.dtype()))) {
    return absl::InvalidArgumentError(
        absl::StrCat("ndarray's buffer is not aligned to ", ItemSize(array.dtype()),
                     " bytes in memory, so it cannot be read in place"));
  }
  if (array.dtype() == v1::DTYPE_BOOL) {
    if (absl::Status s = CheckBools(data); !s.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("ndarray: ", s.message()));
    }
  }
  const uint64_t size = *need / ItemSize(array.dtype());
  return ArrayView(array.dtype(), shape, size, data);
}

double ArrayView::AsDouble(uint64_t i) const {
  return ElementAsDouble(dtype_, bytes_.data() + i * ItemSize(dtype_));
}

uint64_t ColumnView::null_count() const {
  if (validity_.empty()) return 0;
  uint64_t set = 0;
  const uint64_t full = rows_ / 8;
  for (uint64_t i = 0; i < full; ++i) set += std::popcount(static_cast<uint8_t>(validity_[i]));
  for (uint64_t i = full * 8; i < rows_; ++i) set += IsNull(i) ? 0 : 1;
  return rows_ - set;
}

double ColumnView::AsDouble(uint64_t i) const {
  return ElementAsDouble(dtype_, data_.data() + i * ItemSize(dtype_));
}

absl::StatusOr<TableView> TableView::Of(const v1::Value& value) {
  if (value.kind_case() != v1::Value::kTable) {
    return absl::InvalidArgumentError(absl::StrCat("expected table, got ", KindName(value)));
  }
  return Of(value.table());
}

absl::StatusOr<TableView> TableView::Of(const v1::Table& table) {
  TableView view;
  view.rows_ = table.num_rows();
  view.columns_.reserve(table.columns_size());
  absl::Status s =
      CheckTableColumns(table, [&view](const v1::Column& column, absl::string_view data,
                                       absl::string_view offsets, absl::string_view validity) {
        ColumnView c;
        c.name_ = &column.name();
        c.dtype_ = column.dtype();
        c.rows_ = view.rows_;
        c.data_ = data;
        c.offsets_ = offsets;
        c.validity_ = validity;
        view.columns_.push_back(c);
      });
  if (!s.ok()) return s;
  return view;
}

absl::StatusOr<ColumnView> TableView::column(absl::string_view name) const {
  for (const ColumnView& c : columns_) {
    if (c.name() == name) return c;
  }
  std::vector<absl::string_view> names;
  for (const ColumnView& c : columns_) names.push_back(c.name());
  return absl::NotFoundError(absl::StrCat("no column \"", name, "\" (the table has ",
                                          names.empty() ? "none" : absl::StrJoin(names, ", "),
                                          ")"));
}

TableBuilder& TableBuilder::AddStrings(std::string name,
                                       const std::vector<std::optional<std::string>>& values) {
  std::vector<bool> valid;
  bool any_null = false;
  for (const auto& v : values) any_null |= !v.has_value();
  if (any_null) {
    valid.reserve(values.size());
    for (const auto& v : values) valid.push_back(v.has_value());
  }
  Pending& p = Start(std::move(name), v1::DTYPE_STRING, values.size(), std::move(valid));
  uint64_t total = 0;
  for (const auto& v : values) total += v.has_value() ? v->size() : 0;
  if (total > static_cast<uint64_t>(std::numeric_limits<int32_t>::max())) {
    if (error_.empty()) {
      error_ = absl::StrCat("string column \"", p.name, "\" holds ", total,
                            " bytes of text, more than 2 GiB");
    }
    return *this;
  }
  p.data.reserve(total);
  p.offsets.resize(4 * (values.size() + 1));
  int32_t at = 0;
  std::memcpy(p.offsets.data(), &at, 4);
  for (size_t i = 0; i < values.size(); ++i) {
    if (values[i].has_value()) p.data += *values[i];
    at = static_cast<int32_t>(p.data.size());
    std::memcpy(p.offsets.data() + 4 * (i + 1), &at, 4);
  }
  return *this;
}

absl::StatusOr<v1::Value> TableBuilder::Finish() && {
  if (!error_.empty()) return absl::InvalidArgumentError(error_);
  const uint64_t rows = columns_.empty() ? 0 : columns_[0].rows;
  absl::flat_hash_set<absl::string_view> names;
  for (const Pending& p : columns_) {
    if (p.name.empty()) return absl::InvalidArgumentError("a column has no name");
    if (!names.insert(p.name).second) {
      return absl::InvalidArgumentError(absl::StrCat("two columns are named \"", p.name, "\""));
    }
    if (p.rows != rows) {
      return absl::InvalidArgumentError(absl::StrCat("column \"", p.name, "\" has ", p.rows,
                                                     " rows, column \"", columns_[0].name,
                                                     "\" has ", rows));
    }
    if (!p.valid.empty() && p.valid.size() != rows) {
      return absl::InvalidArgumentError(absl::StrCat(
          "column \"", p.name, "\" has ", rows, " rows and ", p.valid.size(), " validity entries"));
    }
  }

  auto padded = [](uint64_t n) {
    return (n + kBodyAlignment - 1) / kBodyAlignment * kBodyAlignment;
  };
  const uint64_t validity_bytes = (rows + 7) / 8;
  // A column's nulls are stored only when it has one.
  auto stores_validity = [](const Pending& p) {
    for (bool v : p.valid) {
      if (!v) return true;
    }
    return false;
  };
  uint64_t total = 0;
  for (const Pending& p : columns_) {
    total += padded(p.data.size()) + padded(p.offsets.size());
    if (stores_validity(p)) total += padded(validity_bytes);
  }

  v1::Value value;
  v1::Table* table = value.mutable_table();
  table->set_num_rows(rows);
  std::string body(total, '\0');
  uint64_t at = 0;
  auto place = [&](absl::string_view bytes, v1::BufferSlice* slice) {
    slice->set_offset(at);
    slice->set_length(bytes.size());
    if (!bytes.empty()) std::memcpy(body.data() + at, bytes.data(), bytes.size());
    at += padded(bytes.size());
  };
  for (const Pending& p : columns_) {
    v1::Column* column = table->add_columns();
    column->set_name(p.name);
    column->set_dtype(p.dtype);
    place(p.data, column->mutable_data());
    if (p.dtype == v1::DTYPE_STRING) place(p.offsets, column->mutable_offsets());
    if (stores_validity(p)) {
      std::string bits(validity_bytes, '\0');
      for (uint64_t i = 0; i < rows; ++i) {
        if (p.valid[i]) bits[i / 8] = static_cast<char>(bits[i / 8] | (1 << (i % 8)));
      }
      place(bits, column->mutable_validity());
    }
  }
  table->set_body(std::move(body));
  return value;
}

}  // namespace brisk
