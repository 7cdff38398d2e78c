#include "worker/frame/table_concat.h"

#include <cstring>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "common/dtype_switch.h"
#include "worker/array/array_ops.h"
#include "worker/frame/csv_table.h"
#include "worker/frame/frame_ops.h"
#include "worker/frame/table_assembly.h"

namespace brisk {
namespace {

bool HasValue(const ColumnView& c) { return c.size() > 0 && c.null_count() < c.size(); }

bool IsFloat(DType d) { return d == v1::DTYPE_FLOAT32 || d == v1::DTYPE_FLOAT64; }

DType Unify(DType a, DType b) {
  if (a == v1::DTYPE_UNSPECIFIED) return b;
  if (a == b) return a;
  if (a == v1::DTYPE_STRING || b == v1::DTYPE_STRING) return v1::DTYPE_STRING;
  // Numbers and bools (True is 1, as NumPy casts it): float when either is, else int64.
  return IsFloat(a) || IsFloat(b) ? v1::DTYPE_FLOAT64 : v1::DTYPE_INT64;
}

// Row i of a column as CSV text (a string column's text itself).
std::string CellText(const ColumnView& c, uint64_t i) {
  switch (c.dtype()) {
    case v1::DTYPE_STRING:
      return std::string(c.String(i));
    case v1::DTYPE_BOOL:
      return c.values<bool>().value()[i] ? "True" : "False";
    case v1::DTYPE_FLOAT32:
    case v1::DTYPE_FLOAT64:
      return FloatText(c.AsDouble(i));
    case v1::DTYPE_INT64:
      return absl::StrCat(c.values<int64_t>().value()[i]);
    case v1::DTYPE_UINT64:
      return absl::StrCat(c.values<uint64_t>().value()[i]);
    default:
      return absl::StrCat(static_cast<int64_t>(c.AsDouble(i)));
  }
}

template <typename T>
void AppendValue(std::string& data, T v) {
  data.append(reinterpret_cast<const char*>(&v), sizeof(T));
}

absl::StatusOr<v1::Value> ConcatOp(OpContext&, const OpArgs& args) {
  std::vector<TableView> tables;
  for (size_t i = 0; i < args.size(); ++i) {
    absl::StatusOr<TableView> t = args.Table(i);
    if (!t.ok()) return t.status();
    tables.push_back(*t);
  }
  return ConcatTables(tables);
}

}  // namespace

absl::StatusOr<v1::Value> ConcatTables(const std::vector<TableView>& tables) {
  std::vector<std::string> names;
  absl::flat_hash_map<std::string, DType> dtypes;
  absl::flat_hash_map<std::string, DType> fallback;  // a dtype from tables with no value
  uint64_t rows = 0;
  for (const TableView& t : tables) {
    rows += t.num_rows();
    for (const ColumnView& c : t.columns()) {
      auto [it, added] = dtypes.try_emplace(c.name(), v1::DTYPE_UNSPECIFIED);
      if (added) names.push_back(c.name());
      if (HasValue(c)) {
        it->second = Unify(it->second, c.dtype());
      } else {
        fallback.try_emplace(c.name(), c.dtype());
      }
    }
  }
  std::vector<ColumnBuffers> out;
  for (const std::string& name : names) {
    DType dtype = dtypes[name];
    if (dtype == v1::DTYPE_UNSPECIFIED) dtype = fallback[name];
    ColumnBuffers b;
    b.name = name;
    b.dtype = dtype;
    std::vector<uint8_t> valid;
    valid.reserve(rows);
    std::vector<int32_t> offsets{0};
    const size_t item = ItemSize(dtype);
    for (const TableView& t : tables) {
      absl::StatusOr<ColumnView> got = t.column(name);
      const uint64_t n = t.num_rows();
      if (!got.ok() || !HasValue(*got)) {
        // Absent or without a value here: nulls.
        valid.insert(valid.end(), n, 0);
        if (dtype == v1::DTYPE_STRING) {
          offsets.insert(offsets.end(), n, offsets.back());
        } else {
          b.data.append(n * item, '\0');
        }
        continue;
      }
      const ColumnView& c = *got;
      for (uint64_t i = 0; i < n; ++i) valid.push_back(c.IsNull(i) ? 0 : 1);
      if (c.dtype() == dtype && dtype != v1::DTYPE_STRING) {
        b.data.append(c.data().data(), c.data().size());
      } else if (dtype == v1::DTYPE_FLOAT64) {
        for (uint64_t i = 0; i < n; ++i) AppendValue<double>(b.data, c.AsDouble(i));
      } else if (dtype == v1::DTYPE_INT64 && c.dtype() != v1::DTYPE_STRING) {
        DTypeSwitch(
            c.dtype(),
            [&](auto zero) {
              using T = decltype(zero);
              for (uint64_t i = 0; i < n; ++i) {
                T v;
                std::memcpy(&v, c.data().data() + i * sizeof(T), sizeof(T));
                AppendValue<int64_t>(b.data, static_cast<int64_t>(v));
              }
            },
            [] {});
      } else if (dtype == v1::DTYPE_STRING) {
        for (uint64_t i = 0; i < n; ++i) {
          if (!c.IsNull(i)) {
            if (c.dtype() == v1::DTYPE_STRING) {
              const absl::string_view s = c.String(i);
              b.data.append(s.data(), s.size());
            } else {
              b.data.append(CellText(c, i));
            }
          }
          if (b.data.size() > static_cast<size_t>(INT32_MAX)) {
            return absl::InvalidArgumentError(
                absl::StrCat("column \"", name, "\" exceeds 2 GiB of text"));
          }
          offsets.push_back(static_cast<int32_t>(b.data.size()));
        }
      } else {
        return absl::InternalError(absl::StrCat("column \"", name, "\": no conversion from ",
                                                DTypeName(c.dtype()), " to ", DTypeName(dtype)));
      }
    }
    if (dtype == v1::DTYPE_STRING) {
      b.offsets.assign(reinterpret_cast<const char*>(offsets.data()),
                       offsets.size() * sizeof(int32_t));
    }
    b.validity = ValidityBits(valid);
    out.push_back(std::move(b));
  }
  return AssembleTable(rows, std::move(out));
}

void RegisterFrameConcatOps(OpRegistry& registry) {
  OpSignature sig;
  sig.more_args = true;
  sig.result = Kind::kTable;
  registry.Register("frame.concat", std::move(sig), ArrayOpNamed("frame.concat", ConcatOp));
}

}  // namespace brisk
